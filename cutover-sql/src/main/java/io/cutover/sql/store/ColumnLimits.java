package io.cutover.sql.store;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What each column of a table can hold exactly, read once from {@code information_schema.columns} (the same view on both
 * engines): the range of an integer type (signed or unsigned), the precision and scale of a DECIMAL/NUMERIC, the length of
 * a text or binary column, the fractional digits of a time. {@link #check} refuses a value the column would round, clip or
 * wrap, naming the column, the value and the fix: MariaDB rounds a DECIMAL with a mere note and PostgreSQL rounds a NUMERIC
 * silently, so without this a replicated value could change on the way (docs/decisions/0200). Immutable, thread-safe.
 */
public final class ColumnLimits {
    /** One column's limits; a null bound is unlimited. */
    record Limit(String type, BigInteger min, BigInteger max, Integer precision, Integer scale, Long length, Integer fraction) {
    }

    private final String table;
    private final Map<String, Limit> limits;

    ColumnLimits(String table, Map<String, Limit> limits) {
        this.table = table;
        this.limits = Map.copyOf(limits);
    }

    /** Reads the limits of {@code schema.table} over {@code c}. */
    static ColumnLimits read(java.sql.Connection c, String schema, String table, boolean postgres) throws java.sql.SQLException {
        String sql = "SELECT column_name, data_type, numeric_precision, numeric_scale, character_maximum_length, character_octet_length,"
                + " datetime_precision, " + (postgres ? "data_type" : "column_type")
                + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ?";
        Map<String, Limit> out = new HashMap<>();
        try (java.sql.PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, schema);
            s.setString(2, table);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2).toLowerCase(Locale.ROOT);
                    String full = rs.getString(8).toLowerCase(Locale.ROOT);
                    out.put(rs.getString(1), limit(type, full, integer(rs, 3), integer(rs, 4), longValue(rs, 5), longValue(rs, 6),
                            integer(rs, 7)));
                }
            }
        }
        return new ColumnLimits(table, out);
    }

    private static Integer integer(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : (int) Math.min(Integer.MAX_VALUE, v);
    }

    private static Long longValue(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    static Limit limit(String type, String full, Integer precision, Integer scale, Long chars, Long octets, Integer fraction) {
        boolean unsigned = full.contains("unsigned");
        BigInteger[] range = switch (type) {
            case "tinyint" -> full.startsWith("tinyint(1)") ? null : range(8, unsigned);
            case "smallint" -> range(16, unsigned);
            case "mediumint" -> range(24, unsigned);
            case "int", "integer" -> range(32, unsigned);
            case "bigint" -> range(64, unsigned);
            default -> null;
        };
        boolean decimal = type.equals("numeric") || type.equals("decimal");
        boolean binary = type.equals("bytea") || type.contains("blob") || type.contains("binary");
        boolean text = !binary && (type.contains("char") || type.contains("text"));
        boolean time = type.startsWith("timestamp") || type.startsWith("datetime") || type.startsWith("time");
        return new Limit(full, range == null ? null : range[0], range == null ? null : range[1], decimal ? precision : null,
                decimal ? scale : null, binary ? octets : text ? chars : null, time ? fraction : null);
    }

    private static BigInteger[] range(int bits, boolean unsigned) {
        if (unsigned) {
            return new BigInteger[] {BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)};
        }
        return new BigInteger[] {BigInteger.ONE.shiftLeft(bits - 1).negate(), BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)};
    }

    /** Refuses ({@link ErrorCode#REJECTED}) the first value of {@code row} its column cannot hold exactly. */
    public void check(Map<String, Object> row, Map<String, ColumnKind> kinds) {
        for (Map.Entry<String, Object> e : row.entrySet()) {
            Limit l = limits.get(e.getKey());
            if (l != null && e.getValue() != null) {
                String why = why(e.getValue(), kinds.get(e.getKey()), l);
                if (why != null) {
                    throw new CutoverException(ErrorCode.REJECTED, "column " + e.getKey() + " (" + l.type() + ") of " + table + " cannot hold "
                            + shown(e.getValue(), kinds.get(e.getKey())) + " exactly: " + why + "; widen the column (the same type"
                            + " as the other side's), or change the value at its source");
                }
            }
        }
    }

    static String why(Object v, ColumnKind kind, Limit l) {
        if (l.min() != null && (v instanceof Long || v instanceof BigDecimal)) {
            BigDecimal d = v instanceof Long n ? BigDecimal.valueOf(n) : (BigDecimal) v;
            if (d.stripTrailingZeros().scale() > 0) {
                return "it has a fraction";
            }
            BigInteger i = d.toBigIntegerExact();
            if (i.compareTo(l.min()) < 0 || i.compareTo(l.max()) > 0) {
                return "out of range [" + l.min() + ", " + l.max() + "]";
            }
        }
        if (l.precision() != null && (v instanceof BigDecimal || v instanceof Long)) {
            BigDecimal d = (v instanceof Long n ? BigDecimal.valueOf(n) : (BigDecimal) v).stripTrailingZeros();
            int scale = Math.max(0, d.scale());
            int s = l.scale() == null ? 0 : l.scale();
            if (scale > s) {
                return "it has " + scale + " digits after the point, the column keeps " + s + " (it would be rounded)";
            }
            int whole = d.precision() - d.scale();
            if (whole > l.precision() - s) {
                return "it has " + whole + " digits before the point, the column holds " + (l.precision() - s);
            }
        }
        if (l.length() != null) {
            long n = v instanceof byte[] b ? b.length : v instanceof String s ? s.codePointCount(0, s.length())
                    : v instanceof SqlValues.Json j ? j.text().length() : -1;
            if (n > l.length()) {
                return (v instanceof byte[] ? n + " bytes" : n + " characters") + ", the column holds " + l.length();
            }
        }
        if (l.fraction() != null) {
            int nanos = v instanceof Instant i ? i.getNano() : v instanceof LocalDateTime t ? t.getNano() : v instanceof LocalTime t ? t.getNano() : 0;
            int digits = fractionDigits(nanos);
            if (digits > l.fraction()) {
                return "it has " + digits + " fractional digits of a second, the column keeps " + l.fraction();
            }
            if (l.type().startsWith("timestamp") && !l.type().contains("zone") && v instanceof Instant i
                    && (i.getEpochSecond() < 1 || i.isAfter(Instant.parse("2038-01-19T03:14:07.999999Z")))) {
                return "a MariaDB/MySQL TIMESTAMP holds 1970-01-01T00:00:01Z to 2038-01-19T03:14:07Z";
            }
        }
        return null;
    }

    private static int fractionDigits(int nanos) {
        if (nanos == 0) {
            return 0;
        }
        int digits = 9;
        while (nanos % 10 == 0) {
            nanos /= 10;
            digits--;
        }
        return digits;
    }

    private static String shown(Object v, ColumnKind kind) {
        if (v instanceof byte[] b) {
            return b.length + " bytes";
        }
        String s = v instanceof LocalDateTime t ? t.toInstant(ZoneOffset.UTC).toString().replace("Z", "") : SqlValues.text(v, kind);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
