package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.ClientReport;
import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwitchGatesTest {
    private static final Instant NOW = Instant.parse("2026-11-23T22:00:00Z");
    private final SwitchGates gates = new SwitchGates(new GateLimits(1000, 100, 30), Clock.fixed(NOW, ZoneOffset.UTC));

    @TempDir
    Path dir;

    private RegistryEntry entry() {
        return new RegistryEntry("orders", Phase.SOURCE_ONLY, Phase.SOURCE_ONLY.primary(), StoreEndpoint.table("orders"),
                StoreEndpoint.table("orders-v2"), dir.resolve("migrate").toString(), dir.resolve("verify").toString(), 1, "a", NOW.toString(), null);
    }

    private Map<String, Gate> evaluate() {
        return gates.evaluate(entry()).stream().collect(Collectors.toMap(Gate::name, g -> g));
    }

    @Test
    void allPassWhenInSyncFreshCleanAndNoDeadLetters() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 250, 3, 0, NOW.minusSeconds(2));
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        List<Gate> all = gates.evaluate(entry());
        assertEquals(List.of("migration", "status-age", "lag", "backlog", "verify", "dead-letters", "clients"),
                all.stream().map(Gate::name).toList());
        assertTrue(all.stream().allMatch(Gate::passed), all.toString());
        assertEquals("PASS 250 ms (limit 1000 ms)", evaluate().get("lag").summary());
    }

    @Test
    void aVerifyNamesItsTablesOrItsMongoDbCollection() {
        assertEquals("orders", SwitchGates.tableOf("source table orders at http://127.0.0.1:8000 (local)"));
        assertEquals("orders", SwitchGates.tableOf("source collection orders in shop at mongodb://***@127.0.0.1:27017/shop (through the mapping)"));
        assertEquals("something else", SwitchGates.tableOf("something else"));
    }

    @Test
    void lagOverTheLimitFails() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 4500, 3, 0, NOW);
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        Gate lag = evaluate().get("lag");
        assertFalse(lag.passed());
        assertEquals("FAIL 4500 ms (limit 1000 ms)", lag.summary());
    }

    @Test
    void aStaleStatusMeansTheLagIsUnknownAndFails() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 10, 0, 0, NOW.minusSeconds(600));
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        assertFalse(evaluate().get("status-age").passed());
        assertEquals("600 s", evaluate().get("status-age").value());
    }

    @Test
    void aMigrationStillCatchingUpFails() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "CATCH_UP", 10, 5000, 0, NOW);
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        assertFalse(evaluate().get("migration").passed());
        assertFalse(evaluate().get("backlog").passed());
    }

    @Test
    void aVerifyWithDifferencesOrNoVerifyFails() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 10, 0, 0, NOW);
        assertEquals("never run", evaluate().get("verify").value());
        GateFiles.verify(dir.resolve("verify"), 2, 0, 1);
        Gate v = evaluate().get("verify");
        assertFalse(v.passed());
        assertEquals("2 missing, 0 extra, 1 different", v.value());
    }

    @Test
    void deadLettersInTheStatusOrInAFileFail() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 10, 0, 0, NOW);
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        assertTrue(evaluate().get("dead-letters").passed());
        Files.createDirectories(dir.resolve("migrate/backfill"));
        Files.writeString(dir.resolve("migrate/backfill/dead-letters.jsonl"), "{\"reason\":\"too big\"}\n");
        assertEquals("1", evaluate().get("dead-letters").value());
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 10, 0, 7, NOW);
        assertEquals("7", evaluate().get("dead-letters").value());
        assertFalse(evaluate().get("dead-letters").passed());
    }

    @Test
    void noRegisteredStateDirectoriesFailWithTheFix() {
        RegistryEntry bare = new RegistryEntry("x", Phase.SOURCE_ONLY, Phase.SOURCE_ONLY.primary(), StoreEndpoint.table("a"),
                StoreEndpoint.table("b"), null, null, 1, "a", null, null);
        List<Gate> all = gates.evaluate(bare);
        assertTrue(all.stream().noneMatch(Gate::passed) || all.stream().filter(g -> !g.passed()).count() == 2, all.toString());
        assertTrue(all.get(0).detail().contains("--state-dir"));
    }

    @Test
    void everyLiveInstanceMustRunTheCurrentVersionAndOweNothing() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 10, 0, 0, NOW);
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        String fresh = NOW.minusSeconds(1).toString();
        ClientReport onCurrent = new ClientReport("orders", "a", Phase.SOURCE_ONLY, 1, 0, 0, 0, 0, fresh);
        ClientReport behind = new ClientReport("orders", "b", Phase.SOURCE_ONLY, 0, 0, 0, 0, 0, fresh);
        ClientReport owes = new ClientReport("orders", "c", Phase.SOURCE_ONLY, 1, 0, 4, 4, 0, fresh);
        ClientReport silent = new ClientReport("orders", "d", Phase.SOURCE_ONLY, 0, 9, 9, 0, 0, NOW.minusSeconds(3600).toString());
        Gate none = gates.evaluate(entry(), List.of()).get(6);
        assertTrue(none.passed());
        assertEquals("none reporting", none.value());
        ClientReport gone = new ClientReport("orders", "e", Phase.SOURCE_ONLY, 0, 0, 0, 0, 0, NOW.minusSeconds(3600).toString());
        Gate ok = gates.evaluate(entry(), List.of(onCurrent, gone)).get(6);
        assertTrue(ok.passed(), ok.toString());
        assertEquals("1 on SOURCE_ONLY, 0 journaled", ok.value());
        assertTrue(ok.detail().contains("owing nothing, so gone: e"), ok.detail());
        Gate blocked = gates.evaluate(entry(), List.of(onCurrent, silent)).get(6);
        assertFalse(blocked.passed(), "a silent instance that owes writes is never ignored: " + blocked);
        assertTrue(blocked.value().contains("silent and owing: d (18 owed"), blocked.value());
        assertTrue(blocked.detail().contains("forget-instance"), blocked.detail());
        Gate lagging = gates.evaluate(entry(), List.of(onCurrent, behind)).get(6);
        assertFalse(lagging.passed());
        assertEquals("1 of 2 not yet on SOURCE_ONLY", lagging.value());
        Gate debt = gates.evaluate(entry(), List.of(onCurrent, owes)).get(6);
        assertFalse(debt.passed());
        assertEquals("2 on SOURCE_ONLY, 4 journaled", debt.value());
    }

    @Test
    void aVerifyFromBeforeInSyncOfOtherTablesOrTooOldIsRefused() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 10, 0, 0, NOW);
        GateFiles.inSync(dir.resolve("migrate"), NOW.minusSeconds(600));
        GateFiles.verifyOf(dir.resolve("verify"), "orders", "orders-v2", NOW.minusSeconds(900));
        Gate early = evaluate().get("verify");
        assertFalse(early.passed(), early.toString());
        assertTrue(early.value().contains("finished before IN_SYNC"), early.value());

        GateFiles.verifyOf(dir.resolve("verify"), "orders", "orders-v2", NOW.minusSeconds(60));
        Gate fresh = evaluate().get("verify");
        assertTrue(fresh.passed(), fresh.toString());
        assertEquals("identical, 60 s old", fresh.value());

        GateFiles.verifyOf(dir.resolve("verify"), "payments", "orders-v2", NOW.minusSeconds(60));
        Gate other = evaluate().get("verify");
        assertFalse(other.passed(), "a verify of other tables proves nothing about these");
        assertTrue(other.detail().contains("other tables"), other.detail());

        SwitchGates strict = new SwitchGates(new GateLimits(1000, 100, 30, 30), Clock.fixed(NOW, ZoneOffset.UTC));
        GateFiles.verifyOf(dir.resolve("verify"), "orders", "orders-v2", NOW.minusSeconds(60));
        Gate old = strict.evaluate(entry()).stream().filter(g -> g.name().equals("verify")).findFirst().orElseThrow();
        assertFalse(old.passed(), old.toString());
        assertTrue(old.detail().contains("--max-verify-age"), old.detail());
    }

    @Test
    void limitsRejectNonsenseAndNameTheFlags() {
        CutoverException e = assertThrows(CutoverException.class, () -> new GateLimits(-1, -2, 0));
        assertTrue(e.getMessage().contains("--max-lag-ms") && e.getMessage().contains("--max-backlog")
                && e.getMessage().contains("--max-status-age"), e.getMessage());
    }

    private RegistryEntry at(Phase phase, Instant changedAt) {
        return new RegistryEntry("orders", phase, phase.primary(), StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"),
                dir.resolve("migrate").toString(), dir.resolve("verify").toString(), 3, "a", changedAt.toString(), null,
                dir.resolve("reverse").toString());
    }

    @Test
    void theHandoverWaitsForTheReverseCaptureToRecordItsPositions() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 250, 3, 0, NOW.minusSeconds(2));
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        Gate missing = gates.evaluate(at(Phase.DUAL_WRITE, NOW)).stream().filter(g -> g.name().equals("reverse-capture")).findFirst()
                .orElseThrow();
        assertFalse(missing.passed(), missing.toString());
        GateFiles.inSync(dir.resolve("reverse"), NOW.minusSeconds(5));
        List<Gate> all = gates.evaluate(at(Phase.DUAL_WRITE, NOW));
        assertTrue(all.stream().allMatch(Gate::passed), all.toString());
        assertFalse(gates.evaluate(at(Phase.SOURCE_ONLY, NOW)).stream().anyMatch(g -> g.name().equals("reverse-capture")),
                "only the handover needs it");
    }

    @Test
    void failbackNeedsTheReverseDrainedAfterThePhaseTookEffect() throws Exception {
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        GateFiles.inSync(dir.resolve("reverse"), NOW.minusSeconds(60));
        Instant changed = NOW.minusSeconds(10);
        GateFiles.status(dir.resolve("reverse"), "IN_SYNC", 80, 0, 0, changed.plusSeconds(2));
        Map<String, Gate> early = gates.evaluateFailback(at(Phase.DUAL_WRITE_TARGET_READS, changed), List.of(), NOW).stream()
                .collect(Collectors.toMap(Gate::name, g -> g));
        assertFalse(early.get("reverse-drained").passed(), "a status from 2 s after the change is too early: " + early);
        GateFiles.status(dir.resolve("reverse"), "IN_SYNC", 80, 0, 0, changed.plusSeconds(6));
        List<Gate> later = gates.evaluateFailback(at(Phase.DUAL_WRITE_TARGET_READS, changed), List.of(), NOW);
        assertEquals(List.of("reverse-migration", "reverse-status-age", "reverse-lag", "reverse-backlog", "reverse-drained",
                "reverse-verify", "reverse-dead-letters", "clients"), later.stream().map(Gate::name).toList());
        assertTrue(later.stream().allMatch(Gate::passed), later.toString());
    }
}
