package io.cutover.sql.mapping;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A template such as {@code ${service_name}-${log_timestamp:yyyy-MM-dd}} or {@code ${log_timestamp}#${log_id:%010d}}:
 * literal text and column placeholders, each with an optional formatter. Parsed once, immutable, thread-safe.
 *
 * <p>Formatters: a date pattern ({@code yyyy-MM-dd}, {@code yyyy/MM}, {@code HH}; date and time columns,
 * time-zone columns in UTC), {@code iso}, {@code epoch} and {@code epoch-ms} (with an optional offset such as
 * {@code epoch+90d}, units d h m s), a printf number pattern such as {@code %08d}, {@code upper}, {@code lower}.
 * Without a formatter a value renders as its attribute text, except times: ISO-8601 at a fixed width (six
 * fraction digits; time-zone columns in UTC with "Z"), so that keys made of them sort in time order.
 */
public final class KeyTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");
    private static final Pattern EPOCH = Pattern.compile("epoch(-ms)?(?:([+-])(\\d+)([dhms]))?");

    private static final DateTimeFormatter FIXED_LOCAL = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS", Locale.ROOT);
    private static final DateTimeFormatter FIXED_INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter FIXED_TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT);

    private final String text;
    private final List<Part> parts;

    /** One piece of a template: literal text when {@code column} is null. */
    record Part(String literal, String column, String format) {
    }

    private KeyTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /** Parses {@code text}; {@code where} names the mapping key for messages, e.g. "mapping.partitionKey.template". */
    public static KeyTemplate parse(String text, String where) {
        if (text == null || text.isBlank()) {
            throw new MappingException(where + " is empty: write a template such as \"${id}\" or \"USER#${user_id}\"");
        }
        List<Part> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                parts.add(new Part(text.substring(at, m.start()), null, null));
            }
            String column = m.group(1).trim();
            String format = m.group(2) == null ? null : m.group(2).trim();
            if (format != null) {
                checkFormat(format, where + " (${" + column + ":" + format + "})");
            }
            parts.add(new Part(null, column, format));
            at = m.end();
        }
        if (at < text.length()) {
            String rest = text.substring(at);
            if (rest.contains("${")) {
                throw new MappingException(where + " has an unclosed placeholder in \"" + text + "\": write ${column} or ${column:format}");
            }
            parts.add(new Part(rest, null, null));
        }
        return new KeyTemplate(text, parts);
    }

    private static void checkFormat(String format, String where) {
        String f = format.toLowerCase(Locale.ROOT);
        if (f.equals("iso") || f.equals("upper") || f.equals("lower") || EPOCH.matcher(f).matches()) {
            return;
        }
        if (format.startsWith("%")) {
            try {
                String.format(Locale.ROOT, format, 1L);
                return;
            } catch (IllegalFormatException e) {
                throw new MappingException(where + ": \"" + format + "\" is not a number pattern; write one such as %08d");
            }
        }
        try {
            DateTimeFormatter.ofPattern(format, Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new MappingException(where + ": \"" + format + "\" is neither a date pattern (yyyy-MM-dd) nor one of iso, epoch,"
                    + " epoch-ms, epoch+90d, %08d, upper, lower");
        }
    }

    public String text() {
        return text;
    }

    /** The columns the template reads, in order of first use. */
    public Set<String> columns() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p.column() != null) {
                out.add(p.column());
            }
        }
        return out;
    }

    /** True when the template is one placeholder with no literal text around it. */
    public boolean isSinglePlaceholder() {
        return parts.size() == 1 && parts.get(0).column() != null;
    }

    /** The formatters used with {@code column} (null for none). */
    List<String> formatsOf(String column) {
        List<String> out = new ArrayList<>();
        for (Part p : parts) {
            if (column.equals(p.column())) {
                out.add(p.format());
            }
        }
        return out;
    }

    /**
     * Renders the template for one row of canonical values (see {@link SqlValues}). Returns null when a
     * column the template reads is NULL in the row, which the caller reports (a key cannot be built).
     */
    public String render(Map<String, Object> row, TableSchema schema) {
        StringBuilder b = new StringBuilder();
        for (Part p : parts) {
            if (p.column() == null) {
                b.append(p.literal());
                continue;
            }
            Object v = row.get(p.column());
            if (v == null) {
                return null;
            }
            b.append(format(v, schema.kind(p.column()), p.format()));
        }
        return b.toString();
    }

    static String format(Object value, ColumnKind kind, String format) {
        String f = format == null ? "iso" : format.toLowerCase(Locale.ROOT);
        if (f.equals("iso")) {
            return sortable(value).orElseGet(() -> SqlValues.text(value, kind));
        }
        if (f.equals("upper")) {
            return SqlValues.text(value, kind).toUpperCase(Locale.ROOT);
        }
        if (f.equals("lower")) {
            return SqlValues.text(value, kind).toLowerCase(Locale.ROOT);
        }
        Matcher epoch = EPOCH.matcher(f);
        if (epoch.matches()) {
            Instant at = instant(value, format);
            if (epoch.group(2) != null) {
                long n = Long.parseLong(epoch.group(3));
                Duration d = switch (epoch.group(4)) {
                    case "d" -> Duration.ofDays(n);
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofSeconds(n);
                };
                at = epoch.group(2).equals("+") ? at.plus(d) : at.minus(d);
            }
            return epoch.group(1) == null ? Long.toString(at.getEpochSecond()) : Long.toString(at.toEpochMilli());
        }
        if (format.startsWith("%")) {
            if (!(value instanceof Number n)) {
                throw new MappingException("the number pattern " + format + " needs a number column, not " + kind);
            }
            Object arg = n instanceof BigDecimal d && d.scale() <= 0 ? d.toBigIntegerExact() : n;
            return String.format(Locale.ROOT, format, arg);
        }
        TemporalAccessor t;
        if (value instanceof Instant i) {
            t = i.atOffset(ZoneOffset.UTC);
        } else if (value instanceof LocalDateTime || value instanceof LocalDate || value instanceof LocalTime) {
            t = (TemporalAccessor) value;
        } else {
            throw new MappingException("the date pattern " + format + " needs a date or time column, not " + kind);
        }
        return DateTimeFormatter.ofPattern(format, Locale.ROOT).format(t);
    }

    /**
     * Times at a fixed width, so that keys sort in time order: always six fraction digits (the precision of
     * PostgreSQL and MySQL), time-zone values in UTC with "Z". ISO-8601 as {@code Instant.toString} prints it drops
     * trailing zeros (0, 3, 6 or 9 digits), and {@code ...:00.500Z} would sort before {@code ...:00Z}.
     */
    private static java.util.Optional<String> sortable(Object value) {
        if (value instanceof Instant i) {
            return java.util.Optional.of(FIXED_INSTANT.format(i));
        }
        if (value instanceof LocalDateTime t) {
            return java.util.Optional.of(FIXED_LOCAL.format(t));
        }
        if (value instanceof LocalTime t) {
            return java.util.Optional.of(FIXED_TIME.format(t));
        }
        return java.util.Optional.empty();
    }

    private static Instant instant(Object value, String format) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof LocalDateTime ldt) {
            return ldt.toInstant(ZoneOffset.UTC);
        }
        if (value instanceof LocalDate ld) {
            return ld.atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        if (value instanceof Number n) {
            return Instant.ofEpochSecond(n.longValue());
        }
        throw new MappingException(format + " needs a date, timestamp or number column");
    }

    /** Whether {@code kind} can be rendered with {@code format}; null when it can, else the reason. */
    static String incompatibility(ColumnKind kind, String format) {
        if (kind == ColumnKind.JSON || kind == ColumnKind.BINARY || kind == ColumnKind.ARRAY) {
            return kind + " columns cannot be part of a key or a computed text";
        }
        if (format == null) {
            return null;
        }
        String f = format.toLowerCase(Locale.ROOT);
        boolean temporal = kind == ColumnKind.DATE || kind == ColumnKind.TIMESTAMP || kind == ColumnKind.TIMESTAMPTZ || kind == ColumnKind.TIME;
        if (EPOCH.matcher(f).matches()) {
            return temporal && kind != ColumnKind.TIME || kind == ColumnKind.INTEGER ? null : format + " needs a date or timestamp column, not " + kind;
        }
        if (format.startsWith("%")) {
            return kind == ColumnKind.INTEGER || kind == ColumnKind.DECIMAL || kind == ColumnKind.FLOAT ? null
                    : format + " needs a number column, not " + kind;
        }
        if (f.equals("iso") || f.equals("upper") || f.equals("lower")) {
            return null;
        }
        return temporal ? null : "the date pattern " + format + " needs a date or time column, not " + kind;
    }

    /**
     * Reads column values back out of a rendered key, for the columns whose placeholder is reversible
     * (no formatter, iso, or a number pattern). Placeholders match as little as they can, the last one
     * the rest; returns an empty map when the text does not match the template.
     */
    public Map<String, String> parseBack(String rendered) {
        StringBuilder regex = new StringBuilder("^");
        List<Part> placeholders = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            if (p.column() == null) {
                regex.append(Pattern.quote(p.literal()));
            } else {
                regex.append(i == parts.size() - 1 ? "(.*)" : "(.*?)");
                placeholders.add(p);
            }
        }
        Matcher m = Pattern.compile(regex.append('$').toString(), Pattern.DOTALL).matcher(rendered);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (!m.matches()) {
            return out;
        }
        for (int i = 0; i < placeholders.size(); i++) {
            Part p = placeholders.get(i);
            if (reversible(p.format())) {
                out.putIfAbsent(p.column(), m.group(i + 1));
            }
        }
        return out;
    }

    /** Whether a column's value can be read back from text rendered with {@code format}. */
    static boolean reversible(String format) {
        return format == null || format.equalsIgnoreCase("iso") || format.startsWith("%") && format.endsWith("d");
    }

    /** The columns whose value {@link #parseBack} can recover. */
    public Set<String> reversibleColumns() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p.column() != null && reversible(p.format())) {
                out.add(p.column());
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }
}
