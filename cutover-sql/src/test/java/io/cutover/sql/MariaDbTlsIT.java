package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.sql.source.SqlEndpoint;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * TLS against a real server that offers none (the embedded MariaDB): the default verifies where TLS is
 * offered and falls back to clear text here; an explicit verify-full is refused with the fix.
 */
class MariaDbTlsIT {

    @Test
    void theDefaultFallsBackOnlyForAServerWithoutTlsAndExplicitModesAreKept() throws Exception {
        try (MariaDbServer server = MariaDbServer.start()) {
            String uri = server.createDatabase("tls_check");
            SqlEndpoint strict = SqlEndpoint.parse(uri + "?sslmode=verify-full");
            CutoverException refused = assertThrows(CutoverException.class, () -> strict.connect().close());
            assertTrue(refused.getMessage().contains("offers no TLS") && refused.getMessage().contains("sslmode=disable"), refused.getMessage());
            assertEquals(3, refused.exitCode());

            SqlEndpoint auto = SqlEndpoint.parse(uri);
            assertEquals(SqlEndpoint.Tls.VERIFY_FULL, auto.effectiveTls(), "verify until the server says it has no TLS");
            try (Connection c = auto.connect()) {
                assertTrue(c.isValid(5));
            }
            assertEquals(SqlEndpoint.Tls.DISABLE, auto.effectiveTls());
            assertEquals(uri.startsWith("mariadb:") ? "disable" : "disabled", auto.debeziumSslMode(), "Debezium follows what the connection found");
            assertFalse(SqlEndpoint.parse(uri + "?sslmode=require").effectiveTls() == SqlEndpoint.Tls.DISABLE, "an explicit mode is never downgraded");

            try (Connection c = SqlEndpoint.parse(uri + "?sslMode=disable").connect()) {
                assertTrue(c.isValid(5));
            }
        }
    }
}
