package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pieces of serve's hardening that need no socket: Host names, the read rate, and settings refusals. */
class ControlServerGuardsTest {

    @Test
    void onlyConfiguredNamesLocalhostAndIpLiteralsAreServed() {
        AllowedHosts hosts = new AllowedHosts(Set.of("cutover.internal"));
        for (String ok : new String[] {"localhost", "localhost:8080", "127.0.0.1:8080", "10.1.2.3", "[::1]:8080", "[fe80::1]",
            "cutover.internal", "CUTOVER.internal:443", "cutover.internal."}) {
            assertTrue(hosts.allows(ok), ok);
        }
        for (String bad : new String[] {"attacker.example", "attacker.example:8080", "cutover.internal.attacker.example", "localhost.attacker.example",
            "", " ", "127.0.0.1:80:80", "[::1]x", "cutover.internal:http", "x".repeat(300)}) {
            assertFalse(hosts.allows(bad), bad);
        }
        assertFalse(hosts.allows(null), "a request without Host (HTTP/1.0) is refused");
    }

    @Test
    void expensiveReadsAreRateLimitedWithABurstAndRefill() {
        AtomicLong now = new AtomicLong();
        ExpensiveReadLimit limit = new ExpensiveReadLimit(5, now::get);
        int taken = 0;
        while (limit.tryTake()) {
            taken++;
        }
        assertEquals(10, taken, "a burst of twice the rate");
        assertEquals(1, limit.retryAfterSeconds());
        now.addAndGet(200_000_000L); // 0.2 s at 5/s: one more
        assertTrue(limit.tryTake());
        assertFalse(limit.tryTake());
        now.addAndGet(60_000_000_000L);
        taken = 0;
        while (limit.tryTake()) {
            taken++;
        }
        assertEquals(10, taken, "refills no higher than the burst");
    }

    @Test
    void plainHttpBeyondLoopbackIsRefusedUnlessAskedFor() {
        CutoverException e = assertThrows(CutoverException.class, () -> ControlServerSettings.loopback("0.0.0.0", 8080));
        assertTrue(e.getMessage().contains("--tls-cert") && e.getMessage().contains("--insecure-http"), e.getMessage());
        assertEquals(2, e.exitCode());
        ControlServerSettings insecure = ControlServerSettings.loopback("127.0.0.1", 8080).withTls(null, null, true);
        assertFalse(insecure.exposedInClearText());
        assertTrue(new ControlServerSettings("0.0.0.0", 8080, Set.of(), null, null, true, 16, 4, 10, 16384,
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(30), 16384).exposedInClearText());
        assertFalse(ControlServerSettings.loopback("::1", 0).exposedInClearText());
    }

    @Test
    void contradictionsAreReportedTogether() {
        CutoverException e = assertThrows(CutoverException.class, () -> ControlServerSettings.loopback("127.0.0.1", 70000)
                .withAllowedHosts(Set.of("bad host:80")));
        assertTrue(e.getMessage().contains("--port"), e.getMessage());
        e = assertThrows(CutoverException.class, () -> ControlServerSettings.loopback("127.0.0.1", 0).withAllowedHosts(Set.of("bad host:80")));
        assertTrue(e.getMessage().contains("--allowed-host: 'bad host:80'"), e.getMessage());
        e = assertThrows(CutoverException.class, () -> ControlServerSettings.loopback("127.0.0.1", 0).withTls(Path.of("c.pem"), null, false));
        assertTrue(e.getMessage().contains("--tls-cert and --tls-key go together"), e.getMessage());
        e = assertThrows(CutoverException.class, () -> ControlServerSettings.loopback("127.0.0.1", 0).withTls(Path.of("c"), Path.of("k"), true));
        assertTrue(e.getMessage().contains("--insecure-http contradicts"), e.getMessage());
        e = assertThrows(CutoverException.class, () -> ControlServerSettings.loopback("127.0.0.1", 0).withLimits(4, 4, 10));
        assertTrue(e.getMessage().contains("reserved for state changes"), e.getMessage());
    }
}
