package io.cutover.sql.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** What the verify of two SQL tables treats as the same value, whichever engine and column type it came from. */
class SqlPairVerificationTest {
    private static Object n(Object v, ColumnKind k) {
        return SqlPairVerification.normalise(v, k);
    }

    @Test
    void numbersTimesJsonAndBytesCompareByWhatTheyHold() {
        assertEquals(n(new BigDecimal("12.500"), ColumnKind.DECIMAL), n(new BigDecimal("12.5"), ColumnKind.DECIMAL));
        assertEquals(n(7L, ColumnKind.INTEGER), n(new BigDecimal("7.000"), ColumnKind.DECIMAL), "BIGINT UNSIGNED and numeric(20)");
        assertNotEquals(n(new BigDecimal("7.001"), ColumnKind.DECIMAL), n(7L, ColumnKind.INTEGER));
        assertEquals(n(Instant.parse("2026-11-02T08:00:00.123456Z"), ColumnKind.TIMESTAMPTZ),
                n(LocalDateTime.parse("2026-11-02T08:00:00.123456"), ColumnKind.TIMESTAMP), "timestamptz and DATETIME in UTC");
        assertNotEquals(n(Instant.parse("2026-11-02T08:00:00.123456Z"), ColumnKind.TIMESTAMPTZ),
                n(LocalDateTime.parse("2026-11-02T08:00:00.123"), ColumnKind.TIMESTAMP), "a lost fraction is a difference");
        assertEquals(n(new SqlValues.Json("{\"b\": [1.50, true], \"a\": 1}"), ColumnKind.JSON),
                n(new SqlValues.Json("{\"a\":1,\"b\":[1.5,true]}"), ColumnKind.JSON), "jsonb's key order and number spelling");
        assertEquals(n(new byte[] {0, 1, (byte) 255}, ColumnKind.BINARY), n(new byte[] {0, 1, (byte) 255}, ColumnKind.BINARY));
        assertEquals(true, n(true, ColumnKind.BOOLEAN));
        assertEquals(n(0.1f, ColumnKind.FLOAT), n(0.1, ColumnKind.FLOAT), "a real and a double by the value they read back as");
        assertEquals(n(7L, ColumnKind.INTEGER), n(7.0, ColumnKind.FLOAT));
        assertNotEquals(n(0.12345679f, ColumnKind.FLOAT), n(0.123456789, ColumnKind.FLOAT));
        assertEquals("NaN", n(Double.NaN, ColumnKind.FLOAT));
    }
}
