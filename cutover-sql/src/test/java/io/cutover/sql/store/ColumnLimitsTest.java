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
}
