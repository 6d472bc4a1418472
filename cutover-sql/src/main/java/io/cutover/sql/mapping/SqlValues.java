package io.cutover.sql.mapping;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Canonical values and their DynamoDB attributes. The backfill (JDBC) and capture (Debezium) hand
 * different Java objects for the same SQL value; both are first turned into one canonical form per
 * {@link ColumnKind} (Long or BigDecimal, Double or Float, Boolean, String, LocalDate, LocalTime,
 * LocalDateTime, Instant, {@link Json}, byte[], List), so an item looks the same whichever way the row came.
 */
public final class SqlValues {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    /** How timestamp columns become attributes. */
    public enum TimestampStyle {
        /** ISO-8601 text: 2024-05-01T10:15:30.123456 (local) or 2024-05-01T10:15:30.123456Z (with time zone). */
        ISO,
        /** A number of seconds since 1970-01-01T00:00Z, with the fraction when there is one (exact). */
        EPOCH,
        /** A number of milliseconds since 1970-01-01T00:00Z, with the fraction when there is one (exact). */
        EPOCH_MS
    }

    /** JSON text from a json or jsonb column. */
    public record Json(String text) {
    }

    private SqlValues() {
    }

    /** The canonical value of {@code raw} (a JDBC or Debezium object already decoded) for a column of {@code kind}. */
    public static Object canonical(Object raw, ColumnKind kind) {
        if (raw == null) {
            return null;
        }
        switch (kind) {
            case INTEGER:
                if (raw instanceof Boolean b) {
                    return b ? 1L : 0L;
                }
                if (raw instanceof BigInteger bi) {
                    return bi.bitLength() < 64 ? (Object) bi.longValue() : new BigDecimal(bi);
                }
                if (raw instanceof BigDecimal bd) {
                    return bd.scale() <= 0 && bd.precision() < 19 ? (Object) bd.longValueExact() : bd;
                }
                if (raw instanceof Number n) {
                    return n.longValue();
                }
                if (raw instanceof java.sql.Date d) { // MySQL YEAR through some drivers
                    return (long) d.toLocalDate().getYear();
                }
                return canonical(new BigDecimal(raw.toString()), kind); // text, which may exceed a long (BIGINT UNSIGNED)
            case DECIMAL:
                if (raw instanceof BigDecimal bd) {
                    return bd;
                }
                if (raw instanceof Number n) {
                    return new BigDecimal(n.toString());
                }
                return new BigDecimal(raw.toString());
            case FLOAT:
                if (raw instanceof Float || raw instanceof Double) {
                    return raw;
                }
                if (raw instanceof Number n) {
                    return n.doubleValue();
                }
                return Double.parseDouble(raw.toString());
            case BOOLEAN:
                if (raw instanceof Boolean b) {
                    return b;
                }
                if (raw instanceof Number n) {
                    return n.longValue() != 0;
                }
                if (raw instanceof byte[] bytes) { // BIT(1)
                    return bytes.length > 0 && bytes[bytes.length - 1] != 0;
                }
                String s = raw.toString();
                return s.equals("t") || s.equalsIgnoreCase("true") || s.equals("1");
            case TEXT:
            case UUID:
                return raw.toString();
            case DATE:
                if (raw instanceof LocalDate d) {
                    return d;
                }
                if (raw instanceof java.sql.Date d) {
                    return d.toLocalDate();
                }
                if (raw instanceof Integer days) { // io.debezium.time.Date
                    return LocalDate.ofEpochDay(days);
                }
                if (raw instanceof java.util.Date d) {
                    return d.toInstant().atOffset(ZoneOffset.UTC).toLocalDate();
                }
                return LocalDate.parse(raw.toString());
            case TIME:
                if (raw instanceof LocalTime t) {
                    return t;
                }
                if (raw instanceof java.sql.Time t) {
                    return t.toLocalTime();
                }
                if (raw instanceof java.time.Duration d) {
                    return LocalTime.ofNanoOfDay(d.toNanos());
                }
                return LocalTime.parse(raw.toString());
            case TIMESTAMP:
                if (raw instanceof LocalDateTime t) {
                    return t;
                }
                if (raw instanceof Timestamp t) {
                    return t.toLocalDateTime();
                }
                if (raw instanceof OffsetDateTime o) {
                    return o.toLocalDateTime();
                }
                return LocalDateTime.parse(raw.toString().replace(' ', 'T'));
            case TIMESTAMPTZ:
                if (raw instanceof Instant i) {
                    return i;
                }
                if (raw instanceof OffsetDateTime o) {
                    return o.toInstant();
                }
                if (raw instanceof ZonedDateTime z) {
                    return z.toInstant();
                }
                if (raw instanceof Timestamp t) {
                    return t.toInstant();
                }
                return OffsetDateTime.parse(raw.toString().replace(' ', 'T'), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            case JSON:
                return raw instanceof Json j ? j : new Json(raw.toString());
            case BINARY:
                if (raw instanceof byte[] b) {
                    return b;
                }
                if (raw instanceof ByteBuffer bb) {
                    ByteBuffer d = bb.duplicate();
                    byte[] out = new byte[d.remaining()];
                    d.get(out);
                    return out;
                }
                throw new IllegalArgumentException("not binary: " + raw.getClass().getName());
            case ARRAY:
                List<Object> out = new ArrayList<>();
                if (raw instanceof Object[] a) {
                    for (Object o : a) {
                        out.add(element(o));
                    }
                } else if (raw instanceof List<?> l) {
                    for (Object o : l) {
                        out.add(element(o));
                    }
                } else {
                    throw new IllegalArgumentException("not an array: " + raw.getClass().getName());
                }
                return out;
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    private static Object element(Object o) {
        if (o == null || o instanceof String || o instanceof Boolean) {
            return o;
        }
        if (o instanceof Float || o instanceof Double) {
            return o;
        }
        if (o instanceof BigDecimal || o instanceof BigInteger) {
            return new BigDecimal(o.toString());
        }
        if (o instanceof Number n) {
            return n.longValue();
        }
        if (o instanceof Object[] || o instanceof List<?>) {
            return canonical(o, ColumnKind.ARRAY);
        }
        return o.toString();
    }

    /** The text of a canonical value, as templates render it without a formatter. */
    public static String text(Object v, ColumnKind kind) {
        if (v instanceof LocalDateTime t) {
            return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t);
        }
        if (v instanceof LocalTime t) {
            return DateTimeFormatter.ISO_LOCAL_TIME.format(t);
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        if (v instanceof BigDecimal d) {
            return plain(d);
        }
        if (v instanceof Json j) {
            return j.text();
        }
        return String.valueOf(v);
    }

    private static String plain(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    /** The attribute of a canonical value (never null: SQL NULL is handled by the mapper). */
    public static AttributeValue attribute(Object v, ColumnKind kind, TimestampStyle style) {
        switch (kind) {
            case INTEGER:
            case DECIMAL:
                return AttributeValue.fromN(v instanceof BigDecimal d ? plain(d) : v.toString());
            case FLOAT:
                return floating(v);
            case BOOLEAN:
                return AttributeValue.fromBool((Boolean) v);
            case TIMESTAMP:
            case TIMESTAMPTZ:
                if (style == TimestampStyle.ISO) {
                    return AttributeValue.fromS(text(v, kind));
                }
                Instant at = v instanceof Instant i ? i : ((LocalDateTime) v).toInstant(ZoneOffset.UTC);
                BigDecimal seconds = BigDecimal.valueOf(at.getEpochSecond()).add(BigDecimal.valueOf(at.getNano(), 9));
                return AttributeValue.fromN(plain(style == TimestampStyle.EPOCH ? seconds : seconds.movePointRight(3)));
            case JSON:
                return json(((Json) v).text());
            case BINARY:
                return AttributeValue.fromB(SdkBytes.fromByteArray((byte[]) v));
            case ARRAY:
                List<AttributeValue> list = new ArrayList<>();
                for (Object o : (List<?>) v) {
                    list.add(element(o, style));
                }
                return AttributeValue.fromL(list);
            default:
                return AttributeValue.fromS(text(v, kind));
        }
    }

    private static AttributeValue element(Object o, TimestampStyle style) {
        if (o == null) {
            return AttributeValue.fromNul(true);
        }
        if (o instanceof Boolean b) {
            return AttributeValue.fromBool(b);
        }
        if (o instanceof Float || o instanceof Double) {
            return floating(o);
        }
        if (o instanceof Number n) {
            return AttributeValue.fromN(n instanceof BigDecimal d ? plain(d) : n.toString());
        }
        if (o instanceof List<?>) {
            return attribute(o, ColumnKind.ARRAY, style);
        }
        return AttributeValue.fromS(o.toString());
    }

    /** Floats keep their shortest decimal form (real 1.1 stays 1.1); NaN and infinities, which N cannot hold, become text. */
    private static AttributeValue floating(Object v) {
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return AttributeValue.fromS(v.toString());
        }
        return AttributeValue.fromN(plain(new BigDecimal(v.toString())));
    }

    /** JSON text as a DynamoDB value: objects to M, arrays to L, numbers to N exactly, null to NULL. */
    public static AttributeValue json(String text) {
        try {
            return node(JSON.readTree(text));
        } catch (IOException e) {
            return AttributeValue.fromS(text);
        }
    }

    private static AttributeValue node(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return AttributeValue.fromNul(true);
        }
        if (n.isObject()) {
            Map<String, AttributeValue> m = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), node(e.getValue()));
            }
            return AttributeValue.fromM(m);
        }
        if (n.isArray()) {
            List<AttributeValue> l = new ArrayList<>();
            n.forEach(c -> l.add(node(c)));
            return AttributeValue.fromL(l);
        }
        if (n.isBoolean()) {
            return AttributeValue.fromBool(n.booleanValue());
        }
        if (n.isNumber()) {
            return AttributeValue.fromN(plain(n.decimalValue()));
        }
        return AttributeValue.fromS(n.asText());
    }
}
