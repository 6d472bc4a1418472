package io.cutover.sql.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlEndpointTest {
    @Test
    void parsesEverySchemeAndNeverShowsThePassword() {
        SqlEndpoint pg = SqlEndpoint.parse("postgresql://app:s3cr%40t@db.example:6543/logs");
        assertEquals(SqlEndpoint.Flavor.POSTGRESQL, pg.flavor());
        assertEquals("s3cr@t", pg.password());
        assertEquals(6543, pg.port());
        assertFalse(pg.describe().contains("s3cr"), pg.describe());
        assertFalse(pg.toString().contains("s3cr"));
        assertEquals(SqlEndpoint.Flavor.MARIADB, SqlEndpoint.parse("jdbc:mariadb://root@h/shop").flavor());
        assertEquals(3306, SqlEndpoint.parse("mysql://root@h/shop").port());
        assertEquals(SqlEndpoint.Flavor.POSTGRESQL, SqlEndpoint.parse("jdbc:postgresql://h/db").flavor());
        assertTrue(SqlEndpoint.isSqlUri("mariadb://x/y"));
        assertFalse(SqlEndpoint.isSqlUri("mongodb://x/y"));
    }

    @Test
    void badUrisAreRefusedWithoutThePassword() {
        CutoverException e = assertThrows(CutoverException.class, () -> SqlEndpoint.parse("postgresql://app:hunter2@host"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("/database"), e.getMessage());
        assertEquals(2, e.exitCode());
        assertEquals("postgresql://u:***@h/d", SqlEndpoint.maskText("postgresql://u:pw@h/d"));
    }

    @Test
    void keysetPositionsRoundTripTyped() {
        KeysetPosition p = new KeysetPosition(List.of(42L, "a\nb", new BigDecimal("1.50"), LocalDateTime.parse("2026-01-01T00:00:01"),
                Instant.parse("2026-01-01T00:00:00Z")));
        assertEquals(p, KeysetPosition.decode(p.encode()));
    }
}
