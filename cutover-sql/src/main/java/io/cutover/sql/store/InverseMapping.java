package io.cutover.sql.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.Mapping.KeyAttribute;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.mapping.SqlValues.TimestampStyle;
import io.cutover.sql.mapping.TableSchema;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The mapping read backwards: an item (as the forward mapping makes it, or as an application writes it) back into the
 * canonical values of its row, for the SQL store and the reverse applier (docs/decisions/0130). A column comes back from
 * its attribute, or from a key template that holds it reversibly ({@code ${column}}, {@code :iso}, a number pattern).
 * Key, index-key and computed attributes are derived: they are recomputed from the row when it is read, never stored.
 * A mapping with a column that comes back from neither cannot be inverted: {@link #problems} names it. Immutable and
 * thread-safe.
 */
public final class InverseMapping {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RowMapper mapper;
    private final TableSchema schema;
    private final TimestampStyle timestamps;
    /** attribute name -> column, for the columns that are attributes. */
    private final Map<String, String> columnOf;
    /** key, index-key and computed attribute names. */
    private final Set<String> derived;
    private final List<KeyAttribute> tableKey;

    public InverseMapping(RowMapper mapper) {
        List<String> problems = problems(mapper);
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the mapping of " + mapper.schema().table() + " cannot be inverted, so"
                    + " it cannot carry a reversible cut-over: " + String.join("; ", problems));
        }
        this.mapper = mapper;
        this.schema = mapper.schema();
        this.timestamps = mapper.mapping().timestamps();
        Map<String, String> byAttribute = new HashMap<>();
        mapper.attributes().forEach((column, attribute) -> byAttribute.put(attribute, column));
        this.columnOf = Map.copyOf(byAttribute);
        Set<String> d = new LinkedHashSet<>();
        mapper.mapping().keyAttributes().forEach(k -> d.add(k.attribute()));
        mapper.mapping().computed().forEach(k -> d.add(k.attribute()));
        this.derived = Set.copyOf(d);
        List<KeyAttribute> keys = new ArrayList<>();
        keys.add(mapper.mapping().partitionKey());
        mapper.mapping().sortKey().ifPresent(keys::add);
        this.tableKey = List.copyOf(keys);
    }

    /**
     * Why the mapping cannot be read backwards, one line per column that no attribute and no reversible key template
     * holds, naming the attributes built from it; empty when it can. {@code cutover plan --reversible} refuses with these.
     */
    public static List<String> problems(RowMapper mapper) {
        Set<String> recoverable = new LinkedHashSet<>(mapper.attributes().keySet());
        recoverable.addAll(mapper.mapping().partitionKey().template().reversibleColumns());
        mapper.mapping().sortKey().ifPresent(k -> recoverable.addAll(k.template().reversibleColumns()));
        List<KeyAttribute> all = new ArrayList<>(mapper.mapping().keyAttributes());
        all.addAll(mapper.mapping().computed());
        List<String> out = new ArrayList<>();
        for (String column : mapper.schema().columns().keySet()) {
            if (recoverable.contains(column)) {
                continue;
            }
            List<String> users = all.stream().filter(k -> k.template().columns().contains(column))
                    .map(k -> k.attribute() + " (\"" + k.template().text() + "\")").toList();
            out.add("column " + column + " is not an attribute of the item" + (users.isEmpty() ? " and no key template holds it"
                    : ", and " + String.join(", ", users) + (users.size() == 1 ? " loses it" : " lose it"))
                    + ": include it in mapping.attributes, or use ${" + column + "} in the sort key template");
        }
        return out;
    }

    public RowMapper mapper() {
        return mapper;
    }

    /** Whether {@code attribute} is recomputed from the row (a key, index key or computed attribute). */
    public boolean isDerived(String attribute) {
        return derived.contains(attribute);
    }

    /**
     * The canonical row of {@code item}: every column, NULL where the item has no value for it. Attributes the mapping
     * does not know are refused ({@link ErrorCode#REJECTED}), naming them: the table has nowhere to keep them.
     */
    public Map<String, Object> row(Map<String, AttributeValue> item) {
        Map<String, Object> row = new LinkedHashMap<>();
        schema.columns().keySet().forEach(c -> row.put(c, null));
        row.putAll(keyColumns(item));
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            String column = columnOf.get(e.getKey());
            if (column != null) {
                row.put(column, value(e.getKey(), e.getValue(), column));
            } else if (!derived.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new CutoverException(ErrorCode.REJECTED, "attribute(s) " + unknown + " of the item have no column in " + schema.table()
                    + ": the mapping makes the attributes " + new TreeSet<>(columnOf.keySet()) + " and the derived " + new TreeSet<>(derived));
        }
        return row;
    }

    /** The columns the table key holds reversibly, read back from {@code key}'s key attributes (canonical values). */
    public Map<String, Object> keyColumns(Map<String, AttributeValue> key) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (KeyAttribute k : tableKey) {
            AttributeValue v = key.get(k.attribute());
            if (v == null) {
                throw new CutoverException(ErrorCode.REJECTED, "the item has no key attribute " + k.attribute() + " of " + schema.table());
            }
            String text = v.s() != null ? v.s() : v.n();
            Map<String, String> parsed = text == null ? Map.of() : k.template().parseBack(text);
            if (parsed.isEmpty() && !k.template().reversibleColumns().isEmpty()) {
                throw new CutoverException(ErrorCode.REJECTED, "the key attribute " + k.attribute() + " = \"" + text + "\" does not match its"
                        + " template \"" + k.template().text() + "\" in " + schema.table());
            }
            for (Map.Entry<String, String> e : parsed.entrySet()) {
                try {
                    out.putIfAbsent(e.getKey(), SqlValues.canonical(e.getValue(), schema.kind(e.getKey())));
                } catch (RuntimeException bad) {
                    throw new CutoverException(ErrorCode.REJECTED, "the key attribute " + k.attribute() + " = \"" + text + "\" holds \""
                            + e.getValue() + "\" for column " + e.getKey() + ", which is not a " + schema.kind(e.getKey()));
                }
            }
        }
        return out;
    }

    /** The primary key values of the row {@code key} addresses (the columns are read back from the key templates). */
    public Map<String, Object> primaryKey(Map<String, AttributeValue> key) {
        Map<String, Object> columns = keyColumns(key);
        Map<String, Object> pk = new LinkedHashMap<>();
        for (String c : schema.primaryKey()) {
            if (columns.get(c) == null) {
                throw new CutoverException(ErrorCode.REJECTED, "the key " + key.keySet() + " does not hold primary key column " + c + " of "
                        + schema.table());
            }
            pk.put(c, columns.get(c));
        }
        return pk;
    }

    /**
     * A number for a floating-point column: a double when the double's shortest form is the number itself (what a FLOAT or
     * DOUBLE column read back carries), else the exact number, which {@link ColumnLimits} refuses as one the column would
     * round (a DynamoDB N or a numeric with more digits than a double keeps); NaN and the infinities as doubles.
     */
    static Object floating(String text) {
        double d = Double.parseDouble(text);
        if (Double.isNaN(d) || Double.isInfinite(d) && !Character.isDigit(text.charAt(text.length() - 1))) {
            return d;
        }
        BigDecimal exact = new BigDecimal(text);
        return !Double.isInfinite(d) && exact.compareTo(new BigDecimal(Double.toString(d))) == 0 ? (Object) d : exact;
    }

    private Object value(String attribute, AttributeValue v, String column) {
        if (Boolean.TRUE.equals(v.nul())) {
            return null;
        }
        ColumnKind kind = schema.kind(column);
        try {
            return switch (kind) {
                case INTEGER -> SqlValues.canonical(new BigDecimal(number(v)), kind);
                case DECIMAL -> new BigDecimal(number(v));
                case FLOAT -> floating(v.n() != null ? v.n() : requireNonNull(v.s()));
                case BOOLEAN -> requireNonNull(v.bool());
                case TEXT, UUID -> v.s() != null ? v.s() : number(v);
                case DATE -> LocalDate.parse(requireNonNull(v.s()));
                case TIME -> LocalTime.parse(requireNonNull(v.s()));
                case TIMESTAMP -> timestamps == TimestampStyle.ISO ? localInUtc(requireNonNull(v.s()))
                        : LocalDateTime.ofInstant(epoch(number(v)), ZoneOffset.UTC);
                case TIMESTAMPTZ -> timestamps == TimestampStyle.ISO ? instantOf(requireNonNull(v.s())) : epoch(number(v));
                case JSON -> new SqlValues.Json(JSON.writeValueAsString(json(v)));
                case BINARY -> requireNonNull(v.b()).asByteArray();
                case ARRAY -> elements(requireNonNull(v.hasL() ? v.l() : null));
            };
        } catch (CutoverException e) {
            throw e;
        } catch (Exception e) {
            throw new CutoverException(ErrorCode.REJECTED, "attribute " + attribute + " cannot go back into column " + column + " (" + kind
                    + ") of " + schema.table() + ": " + describe(v));
        }
    }

    /**
     * A local date-time column (DATETIME, timestamp without time zone) given an instant (from a timestamptz or TIMESTAMP of
     * the other engine, docs/decisions/0200) keeps it in UTC; given a local date-time, keeps it as it is.
     */
    static LocalDateTime localInUtc(String text) {
        if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")) {
            return LocalDateTime.ofInstant(java.time.OffsetDateTime.parse(text).toInstant(), ZoneOffset.UTC);
        }
        return LocalDateTime.parse(text);
    }

    /** An instant column given a local date-time (a DATETIME of the other engine) reads it as UTC, the zone Cutover's sessions run in. */
    static Instant instantOf(String text) {
        if (text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")) {
            return java.time.OffsetDateTime.parse(text).toInstant();
        }
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
    }

    private Instant epoch(String n) {
        BigDecimal seconds = new BigDecimal(n);
        if (timestamps == TimestampStyle.EPOCH_MS) {
            seconds = seconds.movePointLeft(3);
        }
        BigDecimal whole = seconds.setScale(0, java.math.RoundingMode.FLOOR);
        return Instant.ofEpochSecond(whole.longValueExact(), seconds.subtract(whole).movePointRight(9).longValue());
    }

    private static String number(AttributeValue v) {
        return requireNonNull(v.n());
    }

    private static <T> T requireNonNull(T t) {
        if (t == null) {
            throw new IllegalArgumentException("wrong type");
        }
        return t;
    }

    private static List<Object> elements(List<AttributeValue> l) {
        List<Object> out = new ArrayList<>();
        for (AttributeValue e : l) {
            if (Boolean.TRUE.equals(e.nul())) {
                out.add(null);
            } else if (e.s() != null) {
                out.add(e.s());
            } else if (e.n() != null) {
                out.add(new BigDecimal(e.n()));
            } else if (e.bool() != null) {
                out.add(e.bool());
            } else if (e.hasL()) {
                out.add(elements(e.l()));
            } else {
                throw new IllegalArgumentException("an array element must be S, N, BOOL, NULL or L");
            }
        }
        return out;
    }

    /** DynamoDB value to JSON: the inverse of {@link SqlValues#json}. */
    static JsonNode json(AttributeValue v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (Boolean.TRUE.equals(v.nul())) {
            return f.nullNode();
        }
        if (v.s() != null) {
            return f.textNode(v.s());
        }
        if (v.n() != null) {
            return f.numberNode(new BigDecimal(v.n()));
        }
        if (v.bool() != null) {
            return f.booleanNode(v.bool());
        }
        if (v.hasM()) {
            ObjectNode o = f.objectNode();
            v.m().forEach((k, e) -> o.set(k, json(e)));
            return o;
        }
        if (v.hasL()) {
            ArrayNode a = f.arrayNode();
            v.l().forEach(e -> a.add(json(e)));
            return a;
        }
        throw new IllegalArgumentException("sets and binary values have no JSON form");
    }

    private static String describe(AttributeValue v) {
        String s = String.valueOf(v);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
