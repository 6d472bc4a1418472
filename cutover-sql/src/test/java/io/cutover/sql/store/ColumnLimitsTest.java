package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.mapping.ColumnKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ColumnLimitsTest {
    private static ColumnLimits.Limit mariaDb(String dataType, String columnType, Integer precision, Integer scale, Long length, Integer fraction) {
        return ColumnLimits.limit(dataType, columnType, precision, scale, length, length, fraction);
    }

    @Test
    void decimalRefusesDigitsItWouldRoundOrCannotHold() {
        ColumnLimits.Limit d = mariaDb("decimal", "decimal(12,3)", 12, 3, null, null);
        assertNull(ColumnLimits.why(new BigDecimal("123456789.125"), ColumnKind.DECIMAL, d));
        assertNull(ColumnLimits.why(new BigDecimal("1.2300000"), ColumnKind.DECIMAL, d), "trailing zeros lose nothing");
        assertTrue(ColumnLimits.why(new BigDecimal("1.2345"), ColumnKind.DECIMAL, d).contains("4 digits after the point"));
        assertTrue(ColumnLimits.why(new BigDecimal("1234567890.5"), ColumnKind.DECIMAL, d).contains("10 digits before the point"));
    }

    @Test
    void integersKeepToTheirTypesRangeSignedOrUnsigned() {
        ColumnLimits.Limit unsigned = mariaDb("bigint", "bigint(20) unsigned", 20, 0, null, null);
        assertNull(ColumnLimits.why(new BigDecimal("18446744073709551615"), ColumnKind.INTEGER, unsigned));
        assertTrue(ColumnLimits.why(-1L, ColumnKind.INTEGER, unsigned).contains("out of range [0, 18446744073709551615]"));
        ColumnLimits.Limit pgInt = ColumnLimits.limit("integer", "integer", 32, 0, null, null, null);
        assertTrue(ColumnLimits.why(3_000_000_000L, ColumnKind.INTEGER, pgInt).contains("out of range"));
        assertTrue(ColumnLimits.why(new BigDecimal("1.5"), ColumnKind.INTEGER, pgInt).contains("fraction"));
        ColumnLimits.Limit bool = mariaDb("tinyint", "tinyint(1)", 3, 0, null, null);
        assertNull(ColumnLimits.why(Boolean.TRUE, ColumnKind.BOOLEAN, bool));
    }

    @Test
    void textBytesAndFractionsOfASecond() {
        assertTrue(ColumnLimits.why("x".repeat(21), ColumnKind.TEXT, mariaDb("varchar", "varchar(20)", null, null, 20L, null))
                .contains("21 characters, the column holds 20"));
        assertNull(ColumnLimits.why("é".repeat(20), ColumnKind.TEXT, mariaDb("varchar", "varchar(20)", null, null, 20L, null)));
        assertTrue(ColumnLimits.why(new byte[65], ColumnKind.BINARY, mariaDb("varbinary", "varbinary(64)", null, null, 64L, null))
                .contains("65 bytes"));
        ColumnLimits.Limit seconds = mariaDb("datetime", "datetime", null, null, null, 0);
        assertTrue(ColumnLimits.why(LocalDateTime.parse("2026-11-02T08:00:00.5"), ColumnKind.TIMESTAMP, seconds).contains("1 fractional digits"));
        ColumnLimits.Limit micros = ColumnLimits.limit("timestamp with time zone", "timestamp with time zone", null, null, null, null, 6);
        assertNull(ColumnLimits.why(Instant.parse("2026-11-02T08:00:00.123456Z"), ColumnKind.TIMESTAMPTZ, micros));
        ColumnLimits.Limit mariaTimestamp = mariaDb("timestamp", "timestamp(6)", null, null, null, 6);
        assertTrue(ColumnLimits.why(Instant.parse("2040-01-01T00:00:00Z"), ColumnKind.TIMESTAMPTZ, mariaTimestamp).contains("2038"));
    }

    @Test
    void checkNamesTheColumnTheValueAndTheFix() {
        ColumnLimits limits = new ColumnLimits("accounts", Map.of("amount", mariaDb("decimal", "decimal(12,3)", 12, 3, null, null)));
        CutoverException e = assertThrows(CutoverException.class, () -> limits.check(Map.of("amount", new BigDecimal("0.0001")),
                Map.of("amount", ColumnKind.DECIMAL)));
        assertEquals(ErrorCode.REJECTED, e.code());
        assertTrue(e.getMessage().startsWith("column amount (decimal(12,3)) of accounts cannot hold 0.0001 exactly"), e.getMessage());
        assertTrue(e.getMessage().contains("widen the column"), e.getMessage());
    }

    @Test
    void aSinglePrecisionColumnRefusesADoubleItWouldRoundAndADoubleColumnMoreDigitsThanADoubleKeeps() {
        ColumnLimits.Limit mariaFloat = ColumnLimits.limit("float", "float", 12, null, null, null, null, null, false);
        assertNull(ColumnLimits.why(0.1, ColumnKind.FLOAT, mariaFloat), "0.1 reads back from a FLOAT as 0.1");
        assertNull(ColumnLimits.why(1.1f, ColumnKind.FLOAT, mariaFloat));
        assertNull(ColumnLimits.why(16_777_216.0, ColumnKind.FLOAT, mariaFloat));
        ColumnLimits.Refusal r = ColumnLimits.refusal(0.123456789, ColumnKind.FLOAT, mariaFloat);
        assertTrue(r.reason().contains("keeps about 7 significant digits: it would be stored as 0.12345679"), r.reason());
        assertTrue(r.fix().startsWith("make the column DOUBLE"), r.fix());
        assertTrue(ColumnLimits.why(16_777_217.0, ColumnKind.FLOAT, mariaFloat).contains("stored as 1.6777216E7"));
        assertTrue(ColumnLimits.why(1e39, ColumnKind.FLOAT, mariaFloat).contains("out of the range"));
        assertTrue(ColumnLimits.why(Double.NaN, ColumnKind.FLOAT, mariaFloat).contains("no NaN"));
        ColumnLimits.Limit pgReal = ColumnLimits.limit("real", "real", 24, null, null, null, null, "UTF8", true);
        assertTrue(ColumnLimits.refusal(0.123456789, ColumnKind.FLOAT, pgReal).fix().startsWith("make the column double precision"));
        assertNull(ColumnLimits.why(Double.NaN, ColumnKind.FLOAT, pgReal), "PostgreSQL holds NaN");

        ColumnLimits.Limit pgDouble = ColumnLimits.limit("double precision", "double precision", 53, null, null, null, null, "UTF8", true);
        assertNull(ColumnLimits.why(0.123456789, ColumnKind.FLOAT, pgDouble));
        Object tooPrecise = InverseMapping.floating("0.1234567890123456789");
        assertEquals(new BigDecimal("0.1234567890123456789"), tooPrecise, "more digits than a double keeps stay exact");
        ColumnLimits.Refusal d = ColumnLimits.refusal(tooPrecise, ColumnKind.FLOAT, pgDouble);
        assertTrue(d.reason().contains("a double keeps about 16 significant digits: it would be stored as 0.12345678901234568"), d.reason());
        assertTrue(d.fix().contains("numeric(p,s)"), d.fix());
        assertEquals(0.1, InverseMapping.floating("0.1"));
        assertEquals(0.1, InverseMapping.floating("0.10"), "trailing zeros lose nothing");
        assertEquals(Double.NaN, InverseMapping.floating("NaN"));
        assertEquals(Double.NEGATIVE_INFINITY, InverseMapping.floating("-Infinity"));
        assertEquals(new BigDecimal("1e400"), InverseMapping.floating("1e400"));
        assertTrue(ColumnLimits.why(new BigDecimal("1e400"), ColumnKind.FLOAT, pgDouble).contains("out of the range"));
    }

    @Test
    void aStringWithACharacterTheColumnsCharacterSetLacksIsRefused() {
        ColumnLimits.Limit utf8mb3 = ColumnLimits.limit("varchar", "varchar(40)", null, null, 40L, 120L, null, "utf8mb3", false);
        assertNull(ColumnLimits.why("d\u00e9j\u00e0 vu \u20ac \u4e2d", ColumnKind.TEXT, utf8mb3), "the whole basic plane");
        ColumnLimits.Refusal emoji = ColumnLimits.refusal("smile \ud83d\ude00", ColumnKind.TEXT, utf8mb3);
        assertTrue(emoji.reason().contains("character 7 (U+1F600) is not in the column's character set utf8mb3"), emoji.reason());
        assertTrue(emoji.fix().contains("utf8mb4"), emoji.fix());
        ColumnLimits.Limit utf8mb4 = ColumnLimits.limit("varchar", "varchar(40)", null, null, 40L, 160L, null, "utf8mb4", false);
        assertNull(ColumnLimits.why("smile \ud83d\ude00", ColumnKind.TEXT, utf8mb4));
        assertTrue(ColumnLimits.why("half \ud83d", ColumnKind.TEXT, utf8mb4).contains("half of a surrogate pair"));

        ColumnLimits.Limit latin1 = ColumnLimits.limit("varchar", "varchar(40)", null, null, 40L, 40L, null, "latin1", false);
        assertNull(ColumnLimits.why("caf\u00e9 \u20ac \u0081", ColumnKind.TEXT, latin1), "MySQL's latin1 is cp1252 and its five gaps");
        assertTrue(ColumnLimits.why("\u03a9mega", ColumnKind.TEXT, latin1).contains("character 1 (U+03A9)"));
        ColumnLimits.Limit ascii = ColumnLimits.limit("char", "char(2)", null, null, 2L, 2L, null, "ascii", false);
        assertTrue(ColumnLimits.why("\u00e9", ColumnKind.TEXT, ascii).contains("ascii"));
        assertTrue(ColumnLimits.why(new io.cutover.sql.mapping.SqlValues.Json("{\"a\": \"\ud83d\ude00\"}"), ColumnKind.JSON, utf8mb3)
                .contains("U+1F600"), "JSON text too");

        ColumnLimits.Limit pgLatin1 = ColumnLimits.limit("text", "text", null, null, null, null, null, "LATIN1", true);
        assertNull(ColumnLimits.why("caf\u00e9", ColumnKind.TEXT, pgLatin1));
        ColumnLimits.Refusal euro = ColumnLimits.refusal("\u20ac", ColumnKind.TEXT, pgLatin1);
        assertTrue(euro.reason().contains("not in the database's encoding LATIN1"), euro.reason());
        assertTrue(euro.fix().contains("UTF8"), euro.fix());
        ColumnLimits.Limit pgUtf8 = ColumnLimits.limit("text", "text", null, null, null, null, null, "UTF8", true);
        assertNull(ColumnLimits.why("smile \ud83d\ude00", ColumnKind.TEXT, pgUtf8));
        assertTrue(ColumnLimits.why("a\u0000b", ColumnKind.TEXT, pgUtf8).contains("U+0000, which PostgreSQL text never holds"));
        assertNull(ColumnLimits.why("a\u0000b", ColumnKind.TEXT, utf8mb4), "MariaDB text holds U+0000");
        ColumnLimits.Limit unknown = ColumnLimits.limit("varchar", "varchar(9)", null, null, 9L, 9L, null, "armscii8", false);
        assertNull(ColumnLimits.why("\u03a9", ColumnKind.TEXT, unknown), "a set not known here is not checked");
    }
}
