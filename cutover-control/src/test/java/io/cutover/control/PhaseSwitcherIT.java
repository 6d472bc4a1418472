package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.AuditRecord;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.MigratingStore;
import io.cutover.client.RegistryWatcher;
import io.cutover.local.SampleItems;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.local.LocalTables;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

class PhaseSwitcherIT {
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private PhaseSwitcher switcher;
    private String app;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    @BeforeEach
    void register() throws Exception {
        app = LocalTables.uniqueName("orders");
        registry.register(app, StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), dir.resolve("migrate").toString(),
                dir.resolve("verify").toString(), dir.resolve("reverse").toString(), "ops@host", null);
        GateFiles.inSync(dir.resolve("reverse"), Instant.now()); // the reverse capture has recorded its positions
        switcher = new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC()));
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 40, 0, 0, Instant.now());
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
    }

    @Test
    void switchesOnePhaseWhenTheGatesPassAndRecordsTheGateValues() {
        SwitchResult r = switcher.switchPhase(app, Optional.empty(), false, "all green", "alice@host");
        assertEquals(Phase.SOURCE_ONLY, r.from());
        assertEquals(Phase.DUAL_WRITE, r.to());
        assertFalse(r.forced());
        assertEquals(Phase.DUAL_WRITE, registry.require(app).phase());
        AuditRecord last = registry.history(app).get(1);
        assertEquals("alice@host", last.by());
        assertEquals("all green", last.reason());
        assertEquals("PASS 40 ms (limit 1000 ms)", last.gates().get("lag"));
        assertFalse(last.forced());
    }

    @Test
    void lagOverTheLimitRefusesTheSwitchAndChangesNothing() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 9000, 0, 0, Instant.now());
        SwitchRefusedException e = assertThrows(SwitchRefusedException.class,
                () -> switcher.switchPhase(app, Optional.empty(), false, null, "alice@host"));
        assertEquals(ErrorCode.GATES_REFUSED, e.code());
        assertEquals(5, e.exitCode());
        assertTrue(e.getMessage().contains("lag FAIL 9000 ms (limit 1000 ms)") && e.getMessage().contains("--force"), e.getMessage());
        assertEquals(Phase.SOURCE_ONLY, registry.require(app).phase());
        assertEquals(1, registry.history(app).size());
    }

    @Test
    void aVerifyWithDifferencesRefusesAndDeadLettersRefuse() throws Exception {
        GateFiles.verify(dir.resolve("verify"), 0, 0, 4);
        SwitchRefusedException e = assertThrows(SwitchRefusedException.class,
                () -> switcher.switchPhase(app, Optional.empty(), false, null, "a"));
        assertTrue(e.getMessage().contains("verify FAIL 0 missing, 0 extra, 4 different"), e.getMessage());
        GateFiles.verify(dir.resolve("verify"), 0, 0, 0);
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 40, 0, 2, Instant.now());
        e = assertThrows(SwitchRefusedException.class, () -> switcher.switchPhase(app, Optional.empty(), false, null, "a"));
        assertTrue(e.getMessage().contains("dead-letters FAIL 2"), e.getMessage());
    }

    @Test
    void forceOverridesFailedGatesAndIsRecordedWithAWarning() throws Exception {
        GateFiles.status(dir.resolve("migrate"), "IN_SYNC", 9000, 0, 0, Instant.now());
        SwitchResult r = switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE), true, "incident 42", "bob@host");
        assertTrue(r.forced());
        assertTrue(r.warnings().get(0).startsWith("gates overridden with --force: lag FAIL 9000 ms"), r.warnings().toString());
        AuditRecord last = registry.history(app).get(1);
        assertTrue(last.forced());
        assertEquals("FAIL 9000 ms (limit 1000 ms)", last.gates().get("lag"));
        assertEquals(r.warnings(), last.warnings());
    }

    @Test
    void forceWithPassingGatesIsNotRecordedAsForced() {
        SwitchResult r = switcher.switchPhase(app, Optional.empty(), true, null, "bob@host");
        assertFalse(r.forced());
        assertFalse(registry.history(app).get(1).forced());
    }

    @Test
    void switchMovesOnlyOneStepAndToGuardsAgainstAStaleView() {
        CutoverException skip = assertThrows(CutoverException.class,
                () -> switcher.switchPhase(app, Optional.of(Phase.TARGET_ONLY), false, null, "a"));
        assertTrue(skip.getMessage().contains("one phase at a time, so the next is DUAL_WRITE"), skip.getMessage());
        switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE), false, null, "a");
        CutoverException stale = assertThrows(CutoverException.class,
                () -> switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE), false, null, "b"));
        assertEquals(ErrorCode.CONFLICT, stale.code());
    }

    @Test
    void anInstanceThatStillOwesTheTargetBlocksTheSwitchUntilItsJournalDrained() throws Exception {
        String source = LocalTables.uniqueName("src");
        String target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        String appWithTables = LocalTables.uniqueName("shop");
        registry.register(appWithTables, StoreEndpoint.table(source), StoreEndpoint.table(target), dir.resolve("migrate").toString(),
                dir.resolve("verify").toString(), dir.resolve("reverse").toString(), "ops@host", null);
        GateFiles.verify(dir.resolve("verify"), source, target, 0, 0, 0);
        try (RegistryWatcher watcher = new RegistryWatcher(registry, appWithTables, Duration.ofMillis(100)).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(client, source))
                     .target(DynamoDbStore.of(client, target)).journalDir(dir.resolve("journal")).drainInterval(Duration.ofMillis(200))
                     .instance("web-1").build()) {
            switcher.switchPhase(appWithTables, Optional.empty(), false, null, "a");
            waitFor(() -> registry.clients(appWithTables).stream().anyMatch(c -> c.version() == 2));
            client.deleteTable(b -> b.tableName(target));
            store.put(Map.of("pk", AttributeValue.fromS("k"), "sk", AttributeValue.fromS("1"), "v", AttributeValue.fromS("x")));
            waitFor(() -> registry.clients(appWithTables).stream().anyMatch(c -> c.pendingTarget() == 1));
            SwitchRefusedException e = assertThrows(SwitchRefusedException.class,
                    () -> switcher.switchPhase(appWithTables, Optional.empty(), false, null, "a"));
            assertTrue(e.getMessage().contains("clients FAIL 1 on DUAL_WRITE, 1 journaled"), e.getMessage());
            LocalTables.create(client, SampleItems.plainTable(target));
            waitFor(() -> registry.clients(appWithTables).stream().allMatch(c -> c.pendingTarget() == 0));
            assertEquals(Phase.DUAL_WRITE_TARGET_READS, switcher.switchPhase(appWithTables, Optional.empty(), false, null, "a").to());
            waitFor(() -> store.phase() == Phase.DUAL_WRITE_TARGET_READS);
            assertEquals("x", store.get(Map.of("pk", AttributeValue.fromS("k"), "sk", AttributeValue.fromS("1"))).orElseThrow().get("v").s());
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not reached within 20 s");
            Thread.sleep(50);
        }
    }

    @Test
    void rollbackIsNeverBlockedByGatesAndWarnsAfterTargetOnly() throws Exception {
        for (int i = 0; i < 3; i++) {
            switcher.switchPhase(app, Optional.empty(), false, null, "a");
        }
        assertEquals(Phase.TARGET_ONLY, registry.require(app).phase());
        assertThrows(CutoverException.class, () -> switcher.switchPhase(app, Optional.empty(), false, null, "a"));
        GateFiles.status(dir.resolve("migrate"), "CATCH_UP", 9000, 9000, 3, Instant.now()); // everything failing
        assertEquals(Phase.DUAL_WRITE_TARGET_READS, switcher.rollback(app, Phase.TARGET_ONLY, "trouble", "c").to());
        CutoverException stale = assertThrows(CutoverException.class, () -> switcher.rollback(app, Phase.TARGET_ONLY, "double click", "c"));
        assertEquals(io.cutover.core.ErrorCode.CONFLICT, stale.code(), "a second rollback from the phase the operator saw is refused");
        assertEquals(Phase.DUAL_WRITE_TARGET_READS, registry.require(app).phase(), "and changes nothing");
        SwitchResult back = switcher.rollback(app, Phase.DUAL_WRITE_TARGET_READS, "trouble", "c");
        assertEquals(Phase.DUAL_WRITE, back.to());
        assertTrue(back.warnings().get(0).contains("was at TARGET_ONLY"), back.warnings().toString());
        switcher.rollback(app, Phase.DUAL_WRITE, null, "c");
        CutoverException none = assertThrows(CutoverException.class, () -> switcher.rollback(app, Phase.SOURCE_ONLY, null, "c"));
        assertTrue(none.getMessage().contains("nothing to roll back to"));
        List<AuditRecord> h = registry.history(app);
        // the two moves of the site of record (DUAL_WRITE <-> DUAL_WRITE_TARGET_READS) each have their fence first
        assertEquals(List.of("register", "switch", "switch-fence", "switch", "switch", "rollback", "rollback-fence", "rollback", "rollback"),
                h.stream().map(AuditRecord::action).toList());
        assertTrue(h.get(5).gates().get("lag").startsWith("FAIL"), "gate values are recorded on rollbacks too");
        assertTrue(h.get(7).gates().get("handover").startsWith("PASS"), h.get(7).gates().toString());
    }
}
