package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.AuditRecord;
import io.cutover.client.CutOverFixture;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.FaultyStore;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Store;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.local.LocalTables;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Decision 0101: a move of the site of record is a fenced handover. The switcher fences writes in the registry, waits
 * until every instance has finished its writes of the old phase and confirmed, and only then starts the new phase; a
 * write that arrives meanwhile waits for it. No write of the old epoch can land after the new one started, so nothing
 * is done twice and nothing is lost, whatever another road (the forward applier) carried meanwhile.
 */
class FencedHandoverIT {
    private static final Store.Update INCREMENT = new Store.Update("ADD #n :one", Map.of("#n", "n"), Map.of(":one", AttributeValue.fromN("1")));

    @TempDir
    Path dir;

    private static PhaseSwitcher switcher(CutOverFixture f, Duration handoverTimeout) {
        return new PhaseSwitcher(f.registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC()), handoverTimeout);
    }

    private MigratingStore store(CutOverFixture f, RegistryWatcher watcher, String name, FaultyStore target) {
        return MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(f.client, f.source))
                .target(target != null ? target : DynamoDbStore.of(f.client, f.target)).journalDir(dir.resolve(name)).instance(name)
                .switchWait(Duration.ofMillis(100)).build();
    }

    @Test
    void theNewPhaseStartsOnlyAfterTheWriteInFlightOnTheOldSiteOfRecordAndWritesMeanwhileWait() throws Exception {
        CutOverFixture f = CutOverFixture.create();
        f.moveTo(Phase.DUAL_WRITE);
        FaultyStore slowTarget = new FaultyStore(DynamoDbStore.of(f.client, f.target));
        slowTarget.slowMillis = 1500;
        try (RegistryWatcher watcherA = new RegistryWatcher(f.registry, f.app, Duration.ofMillis(50)).start();
             RegistryWatcher watcherB = new RegistryWatcher(f.registry, f.app, Duration.ofMillis(50)).start();
             MigratingStore a = store(f, watcherA, "a", slowTarget);
             MigratingStore b = store(f, watcherB, "b", null)) {
            slowTarget.fault = FaultyStore.Fault.SLOW;
            // a increments on the source (DUAL_WRITE's site of record); its copy to the target takes 1.5 s
            CompletableFuture<Void> incrementA = CompletableFuture.runAsync(() -> a.update(CutOverFixture.key("counter"), INCREMENT));
            Thread.sleep(300);
            long t0 = System.nanoTime();
            CompletableFuture<SwitchResult> switching = CompletableFuture.supplyAsync(() -> switcher(f, Duration.ofSeconds(10))
                    .switchPhase(f.app, Optional.of(Phase.DUAL_WRITE_TARGET_READS), true, "handover test", "test"));
            waitUntil(b::fenced, "b saw the fence");
            // b's increment arrives during the handover: it waits, then runs on the new site of record
            b.update(CutOverFixture.key("counter"), INCREMENT);
            long bDoneMs = (System.nanoTime() - t0) / 1_000_000;
            slowTarget.fault = FaultyStore.Fault.NONE;
            incrementA.get();
            SwitchResult r = switching.get();

            assertEquals(Phase.DUAL_WRITE_TARGET_READS, r.to());
            Gate handover = r.gates().stream().filter(g -> g.name().equals("handover")).findFirst().orElseThrow();
            assertTrue(handover.passed(), handover.toString());
            assertTrue(bDoneMs >= 900, "b's write waited for a's write in flight to finish, it took " + bDoneMs + " ms");
            assertEquals(Phase.DUAL_WRITE_TARGET_READS, b.phase(), "b wrote under the new phase");
            assertTrue(b.fencedWrites() >= 1, "b's write waited for the handover");
            assertEquals("2", counter(f, f.target), "both acknowledged increments are on the new site of record");
            assertEquals("2", counter(f, f.source), "and on the old one");
            assertEquals(0, a.epochRedos() + b.epochRedos(), "no write of the old epoch landed after the new one began: nothing redone");
            List<String> actions = f.registry.history(f.app).stream().map(AuditRecord::action).toList();
            assertEquals(List.of("switch-fence", "switch"), actions.subList(actions.size() - 2, actions.size()), actions.toString());
        }
    }

    @Test
    void aHandoverAnInstanceCannotConfirmInTimeIsAbandonedAndWritesResumeInTheOldPhase() throws Exception {
        CutOverFixture f = CutOverFixture.create();
        f.moveTo(Phase.DUAL_WRITE);
        FaultyStore slowTarget = new FaultyStore(DynamoDbStore.of(f.client, f.target));
        slowTarget.slowMillis = 3000;
        try (RegistryWatcher watcherA = new RegistryWatcher(f.registry, f.app, Duration.ofMillis(50)).start();
             MigratingStore a = store(f, watcherA, "a", slowTarget)) {
            slowTarget.fault = FaultyStore.Fault.SLOW;
            CompletableFuture<Void> incrementA = CompletableFuture.runAsync(() -> a.update(CutOverFixture.key("counter"), INCREMENT));
            Thread.sleep(300);
            long version = f.registry.require(f.app).version();
            SwitchRefusedException refused = assertThrows(SwitchRefusedException.class, () -> switcher(f, Duration.ofMillis(800))
                    .switchPhase(f.app, Optional.of(Phase.DUAL_WRITE_TARGET_READS), true, "too soon", "test"));
            assertTrue(refused.getMessage().contains("a (version " + version + ")"), refused.getMessage());
            assertEquals(ErrorCode.GATES_REFUSED, refused.code());
            var entry = f.registry.require(f.app);
            assertEquals(Phase.DUAL_WRITE, entry.phase(), "the phase did not move");
            assertNull(entry.handoverTo(), "the fence is down again");
            assertEquals(version + 2, entry.version());
            List<String> actions = f.registry.history(f.app).stream().map(AuditRecord::action).toList();
            assertEquals(List.of("switch-fence", "switch-abandoned"), actions.subList(actions.size() - 2, actions.size()), actions.toString());
            slowTarget.fault = FaultyStore.Fault.NONE;
            incrementA.get();
            waitUntil(() -> !a.fenced() && a.stats().phase() == Phase.DUAL_WRITE, "a resumed in DUAL_WRITE");
            a.update(CutOverFixture.key("counter"), INCREMENT);
            assertEquals("2", counter(f, f.source));
            assertEquals("2", counter(f, f.target));
        }
    }

    @Test
    void anInstanceThatCannotReachTheRegistryForLongerThanItsLeaseStopsWritingInADualWritePhase() throws Exception {
        CutOverFixture f = CutOverFixture.create();
        EndpointRegistry own = new EndpointRegistry(f.client, LocalTables.uniqueName("registry")).ensureTable();
        own.register(f.app, StoreEndpoint.table(f.source), StoreEndpoint.table(f.target), null, null, "test", null);
        own.change(f.app, 1, Phase.DUAL_WRITE, "test", "switch", null, true, Map.of(), List.of());
        try (RegistryWatcher watcher = new RegistryWatcher(own, f.app, Duration.ofMillis(50)).start();
             MigratingStore a = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(f.client, f.source))
                     .target(DynamoDbStore.of(f.client, f.target)).journalDir(dir.resolve("lease")).instance("a")
                     .lease(Duration.ofMillis(1500)).build()) {
            a.put(CutOverFixture.item("k1", "v1"));
            f.client.deleteTable(b -> b.tableName(own.table())); // the registry is gone: no report can reach it
            Thread.sleep(2500);
            CutoverException e = assertThrows(CutoverException.class, () -> a.put(CutOverFixture.item("k2", "v2")));
            assertEquals(ErrorCode.TRANSIENT, e.code());
            assertTrue(e.getMessage().contains("lease"), e.getMessage());
            assertEquals(Optional.empty(), f.valueIn(f.source, "k2"), "nothing was written");
            assertEquals(Optional.of("v1"), a.get(CutOverFixture.key("k1")).map(i -> i.get("value").s()), "reads go on");
        }
    }

    private static String counter(CutOverFixture f, String table) {
        return f.client.getItem(r -> r.tableName(table).consistentRead(true).key(CutOverFixture.key("counter"))).item().get("n").n();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within 20 s");
            Thread.sleep(10);
        }
    }
}
