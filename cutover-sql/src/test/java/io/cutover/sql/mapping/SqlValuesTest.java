package io.cutover.sql.mapping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.sql.mapping.SqlValues.TimestampStyle;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The backfill (JDBC objects) and capture (Debezium objects) must produce the same attribute for the same SQL value. */
class SqlValuesTest {
    static AttributeValue attr(Object raw, ColumnKind kind, TimestampStyle style) {
        return SqlValues.attribute(SqlValues.canonical(raw, kind), kind, style);
    }

    @Test
    void numbersStayExact() {
        assertEquals("12345678901234567890123456.1234567891", attr(new BigDecimal("12345678901234567890123456.1234567891"), ColumnKind.DECIMAL, TimestampStyle.ISO).n());
        assertEquals(attr(new BigDecimal("1.50"), ColumnKind.DECIMAL, TimestampStyle.ISO), attr("1.5", ColumnKind.DECIMAL, TimestampStyle.ISO));
        assertEquals("0", attr(new BigDecimal("0E-10"), ColumnKind.DECIMAL, TimestampStyle.ISO).n());
        assertEquals("1.1", attr(1.1f, ColumnKind.FLOAT, TimestampStyle.ISO).n(), "real 1.1 is not 1.100000023841858");
        assertEquals("NaN", attr(Double.NaN, ColumnKind.FLOAT, TimestampStyle.ISO).s());
        assertEquals(attr((short) 7, ColumnKind.INTEGER, TimestampStyle.ISO), attr(7L, ColumnKind.INTEGER, TimestampStyle.ISO));
    }

    @Test
    void timestampsAsIsoOrExactEpoch() {
        LocalDateTime t = LocalDateTime.parse("2026-11-02T10:15:30.123456");
        assertEquals("2026-11-02T10:15:30.123456", attr(t, ColumnKind.TIMESTAMP, TimestampStyle.ISO).s());
        assertEquals("2026-11-02T10:15:30", attr(LocalDateTime.parse("2026-11-02T10:15:30"), ColumnKind.TIMESTAMP, TimestampStyle.ISO).s());
        long seconds = Instant.parse("2026-11-02T10:15:30Z").getEpochSecond();
        assertEquals(seconds + ".123456", attr(t, ColumnKind.TIMESTAMP, TimestampStyle.EPOCH).n());
        assertEquals(seconds + "123.456", attr(t, ColumnKind.TIMESTAMP, TimestampStyle.EPOCH_MS).n());
        assertEquals("2026-11-02T10:15:30.123Z", attr("2026-11-02T10:15:30.123Z", ColumnKind.TIMESTAMPTZ, TimestampStyle.ISO).s());
        assertEquals(attr(Instant.parse("2026-11-02T10:15:30Z"), ColumnKind.TIMESTAMPTZ, TimestampStyle.ISO),
                attr(java.time.OffsetDateTime.parse("2026-11-02T12:15:30+02:00"), ColumnKind.TIMESTAMPTZ, TimestampStyle.ISO));
    }

    @Test
    void binaryBooleansAndArrays() {
        assertArrayEquals(new byte[] {0, -1}, attr(ByteBuffer.wrap(new byte[] {0, -1}), ColumnKind.BINARY, TimestampStyle.ISO).b().asByteArray());
        assertEquals(true, attr((short) 1, ColumnKind.BOOLEAN, TimestampStyle.ISO).bool(), "TINYINT(1) from Debezium");
        assertEquals(attr(new Integer[] {1, 2}, ColumnKind.ARRAY, TimestampStyle.ISO), attr(List.of(1, 2), ColumnKind.ARRAY, TimestampStyle.ISO));
        assertEquals(AttributeValue.fromL(List.of(AttributeValue.fromS("a"), AttributeValue.fromNul(true))),
                attr(new String[] {"a", null}, ColumnKind.ARRAY, TimestampStyle.ISO));
    }

    @Test
    void anUnsignedBigintBeyondALongStaysExactInEveryForm() {
        BigDecimal big = new BigDecimal("18446744073709551615");
        assertEquals(big, SqlValues.canonical(new BigDecimal("18446744073709551615"), ColumnKind.INTEGER), "precise capture: a BigDecimal");
        assertEquals(big, SqlValues.canonical(new java.math.BigInteger("18446744073709551615"), ColumnKind.INTEGER), "the JDBC backfill");
        assertEquals(big, SqlValues.canonical("18446744073709551615", ColumnKind.INTEGER), "as text");
        assertEquals(42L, SqlValues.canonical("42", ColumnKind.INTEGER));
        assertEquals("18446744073709551615", SqlValues.attribute(big, ColumnKind.INTEGER, TimestampStyle.ISO).n());
    }
}
