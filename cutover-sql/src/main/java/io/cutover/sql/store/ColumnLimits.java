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
 * a text or binary column, the fractional digits of a time, whether a floating-point column is single (FLOAT, REAL) or
 * double precision, and the character set of a text column (MariaDB's per column, PostgreSQL's database encoding).
 * {@link #check} refuses a value the column would round, clip, wrap or replace, naming the column, the value and the fix:
 * MariaDB rounds a DECIMAL with a mere note, PostgreSQL rounds a NUMERIC silently, a FLOAT keeps about 7 significant
 * digits, and MariaDB outside strict mode stores a character its column's set lacks as '?', so without this a replicated
 * value could change on the way (docs/decisions/0200, 0260). Immutable, thread-safe.
 */
public final class ColumnLimits {
    /** How many significant digits a floating-point column keeps. */
    enum Floating {
        /** MariaDB/MySQL FLOAT, PostgreSQL real: IEEE single precision. */
        SINGLE,
        /** MariaDB/MySQL DOUBLE, PostgreSQL double precision: IEEE double precision. */
        DOUBLE
    }

    /**
     * One column's limits; a null bound is unlimited.
     *
     * @param floating the precision of a floating-point column, null for other types
     * @param charset  the character set of a text column (for messages), null when not known or not text
     * @param holds    the characters that set holds, null when it holds every one (or is not known here)
     * @param mariaDb  whether the column is on MariaDB/MySQL (for the messages' fixes and the NaN rule)
     */
    record Limit(String type, BigInteger min, BigInteger max, Integer precision, Integer scale, Long length, Integer fraction,
                 Floating floating, String charset, java.util.function.IntPredicate holds, boolean mariaDb) {
    }

    /** Why a value is refused, and what the operator can do about it. */
    record Refusal(String reason, String fix) {
    }

    private static final String WIDEN = "widen the column (the same type as the other side's), or change the value at its source";

    private final String table;
    private final Map<String, Limit> limits;

    ColumnLimits(String table, Map<String, Limit> limits) {
        this.table = table;
        this.limits = Map.copyOf(limits);
    }

    /** Reads the limits of {@code schema.table} over {@code c}. */
    static ColumnLimits read(java.sql.Connection c, String schema, String table, boolean postgres) throws java.sql.SQLException {
        String sql = "SELECT column_name, data_type, numeric_precision, numeric_scale, character_maximum_length, character_octet_length,"
                + " datetime_precision, " + (postgres ? "data_type" : "column_type") + ", character_set_name"
                + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ?";
        String encoding = null; // PostgreSQL: one encoding for every text column of the database
        if (postgres) {
            try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW server_encoding")) {
                encoding = rs.next() ? rs.getString(1) : null;
            }
        }
        Map<String, Limit> out = new HashMap<>();
        try (java.sql.PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, schema);
            s.setString(2, table);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2).toLowerCase(Locale.ROOT);
                    String full = rs.getString(8).toLowerCase(Locale.ROOT);
                    String charset = postgres ? (textual(type) ? encoding : null) : rs.getString(9);
                    out.put(rs.getString(1), limit(type, full, integer(rs, 3), integer(rs, 4), longValue(rs, 5), longValue(rs, 6),
                            integer(rs, 7), charset, postgres));
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

    /** A PostgreSQL column whose values are text in the database's encoding. */
    private static boolean textual(String type) {
        return type.contains("char") || type.contains("text") || type.startsWith("json") || type.equals("xml");
    }

    /** A column without a character set check (a test's limit of any type). */
    static Limit limit(String type, String full, Integer precision, Integer scale, Long chars, Long octets, Integer fraction) {
        return limit(type, full, precision, scale, chars, octets, fraction, null, false);
    }

    /**
     * @param charset  the column's character set (MariaDB) or the database's encoding (PostgreSQL, text columns only); null
     *                 for none
     * @param postgres whether the column is on PostgreSQL (the character set's names and rules differ)
     */
    static Limit limit(String type, String full, Integer precision, Integer scale, Long chars, Long octets, Integer fraction,
                       String charset, boolean postgres) {
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
        Floating floating = switch (type) {
            case "real", "float" -> Floating.SINGLE;
            case "double precision", "double" -> Floating.DOUBLE;
            default -> null;
        };
        return new Limit(full, range == null ? null : range[0], range == null ? null : range[1], decimal ? precision : null,
                decimal ? scale : null, binary ? octets : text ? chars : null, time ? fraction : null, floating, charset,
                CharacterSets.holds(charset, postgres), !postgres);
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
                Refusal why = refusal(e.getValue(), kinds.get(e.getKey()), l);
                if (why != null) {
                    throw new CutoverException(ErrorCode.REJECTED, "column " + e.getKey() + " (" + l.type() + ") of " + table + " cannot hold "
                            + shown(e.getValue(), kinds.get(e.getKey())) + " exactly: " + why.reason() + "; " + why.fix());
                }
            }
        }
    }

    /** The reason {@code v} is refused by a column of {@code l}, or null when the column holds it exactly. */
    static String why(Object v, ColumnKind kind, Limit l) {
        Refusal r = refusal(v, kind, l);
        return r == null ? null : r.reason();
    }

    static Refusal refusal(Object v, ColumnKind kind, Limit l) {
        String size = size(v, l);
        if (size != null) {
            return new Refusal(size, WIDEN);
        }
        if (l.floating() != null && (v instanceof Double || v instanceof Float || v instanceof BigDecimal)) {
            return floating(v, l);
        }
        String text = v instanceof String s ? s : v instanceof SqlValues.Json j ? j.text() : null;
        if (text != null) {
            return characters(text, l);
        }
        return null;
    }

    /**
     * A floating-point column holds a value exactly when the value's shortest decimal form comes back from the column's
     * type unchanged (items carry floats in that form: a real 1.1 is the number 1.1, SqlValues): 0.1 into a FLOAT reads
     * back as 0.1, 0.123456789 as 0.12345679. A value with more digits than a double keeps reaches here as a BigDecimal
     * (InverseMapping could not make a double of it exactly).
     */
    private static Refusal floating(Object v, Limit l) {
        boolean single = l.floating() == Floating.SINGLE;
        String wider = single ? (l.mariaDb() ? "make the column DOUBLE" : "make the column double precision") + " (as the other side's),"
                + " or change the value at its source" : "make the column " + (l.mariaDb() ? "DECIMAL(p,s)" : "numeric(p,s)")
                + " to hold such values exactly, or change the value at its source";
        double d = ((Number) v).doubleValue();
        if (!(v instanceof BigDecimal) && (Double.isNaN(d) || Double.isInfinite(d))) {
            return l.mariaDb() ? new Refusal("a MariaDB/MySQL " + (single ? "FLOAT" : "DOUBLE") + " holds no NaN or infinity",
                    "keep the value out of the table, or change it at its source") : null;
        }
        if (single ? Float.isInfinite((float) d) : Double.isInfinite(d)) {
            return new Refusal("out of the range of a " + (single ? "single-precision " : "") + l.type() + " (about ±"
                    + (single ? "3.4E38" : "1.8E308") + ")", wider);
        }
        BigDecimal value = v instanceof BigDecimal b ? b : new BigDecimal(v.toString());
        String stored = single ? Float.toString((float) d) : Double.toString(d);
        if (value.compareTo(new BigDecimal(stored)) != 0) {
            return new Refusal((single ? "a single-precision " + l.type() + " keeps about 7 significant digits"
                    : "a double keeps about 16 significant digits") + ": it would be stored as " + stored, wider);
        }
        return null;
    }

    /** A string with a character the column's character set (or PostgreSQL's database encoding) does not hold. */
    private static Refusal characters(String text, Limit l) {
        int at = CharacterSets.firstUnheld(text, l.holds());
        if (at < 0) {
            return null;
        }
        int cp = text.codePointAt(text.offsetByCodePoints(0, at));
        String character = String.format("U+%04X", cp);
        if (cp <= 0xFFFF && Character.isSurrogate((char) cp)) {
            return new Refusal("character " + (at + 1) + " is " + character + ", half of a surrogate pair: no character set holds it",
                    "change the value at its source");
        }
        if (cp == 0 && !l.mariaDb()) {
            return new Refusal("character " + (at + 1) + " is U+0000, which PostgreSQL text never holds",
                    "change the value at its source (or make the column bytea)");
        }
        if (l.mariaDb()) {
            return new Refusal("character " + (at + 1) + " (" + character + ") is not in the column's character set " + l.charset()
                    + " (MariaDB would store '?' or refuse the row)", "convert the column to a character set that holds it (utf8mb4 holds"
                    + " every character: ALTER TABLE ... MODIFY ... CHARACTER SET utf8mb4), or change the value at its source");
        }
        return new Refusal("character " + (at + 1) + " (" + character + ") is not in the database's encoding " + l.charset(),
                "move the table to a database whose encoding holds it (UTF8 holds every character but U+0000), or change the value"
                        + " at its source");
    }

    /** Range, digits, length and fractions of a second: what a wider column of the same type would hold. */
    private static String size(Object v, Limit l) {
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
