package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.CutOverFixture;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.ReplicationFence;
import io.cutover.client.Store;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The whole walk with both directions running and fenced by the registry: SOURCE_ONLY → DUAL_WRITE →
 * DUAL_WRITE_TARGET_READS (refused until the reverse capture has recorded its positions) → TARGET_ONLY (the forward
 * applier fences itself) → rollback → DUAL_WRITE_TARGET_READS (failback straight from TARGET_ONLY refused) → failback
 * (a stale --from refused; the reverse direction's gates) → DUAL_WRITE → rollback → SOURCE_ONLY, while an application writes through {@code MigratingStore} (puts, deletes, increments) and logs what it
 * was told succeeded. A key changed on both sides within the lag window is counted and listed as a conflict, and the
 * newer version wins on both. At the end both sites equal the log key by key, and the counter the acknowledged
 * increments on both. Two DynamoDB Local servers, one per side
 * (docs/decisions/0073).
 */
class FailbackIT {
    private static final String APP = "orders-app";

    @TempDir
    Path dir;

    @Test
    void walksToTargetOnlyAndFailsBackWithBothSitesEqualToWhatTheApplicationWasTold() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess(); LocalDynamoDb other = LocalDynamoDb.startChildProcess();
             DynamoDbClient client = LocalTables.client(db); DynamoDbClient targetClient = LocalTables.client(other);
             DynamoDbClient registryClient = LocalTables.client(LocalTables.shared())) {
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable("orders")));
            DynamoDbEndpoint source = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbEndpoint target = DynamoDbEndpoint.local("target", other.endpoint());
            Path forwardDir = dir.resolve("forward");
            Path reverseDir = dir.resolve("reverse");
            Path verifyDir = dir.resolve("verify");
            // The registry on a third server with no stream, as it would be in its own account or region.
            EndpointRegistry registry = new EndpointRegistry(registryClient, LocalTables.uniqueName("registry")).ensureTable();
            registry.register(APP, StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), forwardDir.toString(),
                    verifyDir.toString(), reverseDir.toString(), "test", null);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));
            AtomicReference<MigrationStatus> fwd = new AtomicReference<>();
            AtomicReference<MigrationStatus> rev = new AtomicReference<>();
            AtomicBoolean holdForward = new AtomicBoolean();
            try (DynamoDbMigration forward = new DynamoDbMigration(CopySettings.builder(source, target).table("orders", "orders-v2")
                    .stateDir(forwardDir).build(), "orders", "orders-v2", false);
                 DynamoDbMigration reverse = new DynamoDbMigration(CopySettings.builder(target, source).table("orders-v2", "orders")
                         .stateDir(reverseDir).build(), "orders-v2", "orders", true)) {
                ReplicationFence forwardFence = new ReplicationFence(registry, APP, ReplicationFence.Direction.FORWARD, 1000,
                        System::currentTimeMillis);
                forward.applyWhen(() -> !holdForward.get() && forwardFence.getAsBoolean());
                reverse.applyWhen(ReplicationFence.of(registry, APP, ReplicationFence.Direction.REVERSE));
                reverse.captureOnly(true);
                Future<MigrationStatus> f = pool.submit(() -> forward.run(null, CopyProgress.NONE, fwd::set));
                waitFor(() -> inSync(fwd), f);
                verify(source, target, verifyDir);

                Application app = new Application(client, targetClient, registry, dir.resolve("journal"));
                Future<?> writing = pool.submit(app);
                try {
                    Thread.sleep(1000);
                    switchTo(switcher, Phase.DUAL_WRITE);
                    Thread.sleep(1000);
                    SwitchRefusedException noReverse = assertThrows(SwitchRefusedException.class,
                            () -> switcher.switchPhase(APP, Optional.of(Phase.DUAL_WRITE_TARGET_READS), false, "handover", "test"));
                    assertTrue(noReverse.getMessage().contains("reverse-capture FAIL"), noReverse.getMessage());

                    Future<MigrationStatus> r = pool.submit(() -> reverse.run(null, CopyProgress.NONE, rev::set));
                    waitFor(() -> inSync(rev), r);
                    switchTo(switcher, Phase.DUAL_WRITE_TARGET_READS);
                    Thread.sleep(1000);
                    conflictOnBothSides(client, targetClient, holdForward, rev, r, reverseDir);
                    switchTo(switcher, Phase.TARGET_ONLY);
                    waitFor(() -> fwd.get().fenced(), f);
                    Thread.sleep(1500);

                    CutoverException notYet = assertThrows(CutoverException.class,
                            () -> switcher.failback(APP, Phase.TARGET_ONLY, false, "straight from TARGET_ONLY", "test"));
                    assertEquals(ErrorCode.CONFIG_INVALID, notYet.code(), notYet.getMessage());
                    assertEquals(Phase.DUAL_WRITE_TARGET_READS, switcher.rollback(APP, Phase.TARGET_ONLY, "on the way back", "test").to());
                    CutoverException stale = assertThrows(CutoverException.class,
                            () -> switcher.failback(APP, Phase.TARGET_ONLY, false, "stale screen", "test"));
                    assertEquals(ErrorCode.CONFLICT, stale.code(), stale.getMessage());
                    // A verify of the pair finished after the reverse reached IN_SYNC: quiesce the application for it.
                    app.paused.set(true);
                    Thread.sleep(300);
                    try {
                        waitFor(() -> rev.get().backlog() == 0 && !f.isDone()
                                && TableComparison.compare(targetClient, "orders-v2", client, "orders").identical(), r);
                    } catch (AssertionError e) {
                        throw new AssertionError(rev.get() + " / " + fwd.get() + " / "
                                + TableComparison.compare(targetClient, "orders-v2", client, "orders"), e);
                    }
                    verify(target, source, verifyDir);
                    app.paused.set(false);
                    SwitchResult back = failBack(switcher);
                    assertEquals(Phase.DUAL_WRITE, back.to());
                    assertTrue(back.gates().stream().anyMatch(g -> g.name().equals("reverse-drained") && g.passed()), back.gates().toString());
                    assertEquals("failback", registry.history(APP).get(registry.history(APP).size() - 1).action());
                    Thread.sleep(1500);
                    assertEquals(Phase.SOURCE_ONLY, switcher.rollback(APP, Phase.DUAL_WRITE, "back home", "test").to());
                    Thread.sleep(1500);
                } finally {
                    app.stop.set(true);
                    writing.get(60, TimeUnit.SECONDS);
                    app.close();
                }
                System.out.printf("FailbackIT: %d acknowledged, %d failed; lag p99 forward %d ms, reverse %d ms; refused forward %d,"
                        + " reverse %d; conflicts reverse %d%n", app.acknowledged.get(), app.failed.get(), fwd.get().pipelineLagP99Millis(),
                        rev.get().pipelineLagP99Millis(), fwd.get().refused(), rev.get().refused(), rev.get().conflicts());
                assertEquals(0, app.failed.get(), "failed writes");
                assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
                // At SOURCE_ONLY the reverse is fenced; the forward carries the last writes to the target.
                waitFor(() -> !fwd.get().fenced() && fwd.get().backlog() == 0
                        && TableComparison.compare(client, "orders", targetClient, "orders-v2").identical(), f);
                List<String> wrong = new ArrayList<>();
                for (Map.Entry<String, Optional<String>> e : app.expected.entrySet()) {
                    for (var side : List.of(Map.entry("source", client), Map.entry("target", targetClient))) {
                        String table = side.getKey().equals("source") ? "orders" : "orders-v2";
                        Optional<String> actual = CutOverFixture.valueIn(side.getValue(), table, e.getKey());
                        if (!actual.equals(e.getValue())) {
                            wrong.add(e.getKey() + ": told " + e.getValue() + ", the " + side.getKey() + " has " + actual);
                        }
                    }
                }
                assertEquals(List.of(), wrong, "both sites equal what the application was told, key by key");
                for (DynamoDbClient c : List.of(client, targetClient)) {
                    Map<String, AttributeValue> counter = c.getItem(b -> b.tableName(c == client ? "orders" : "orders-v2")
                            .consistentRead(true).key(CutOverFixture.key("counter"))).item();
                    assertEquals(app.increments.get(), Long.parseLong(counter.get("n").n()), "the counter equals the acknowledged increments");
                }
                assertEquals(Optional.of("newer"), CutOverFixture.valueIn(client, "orders", "conflict"));
                assertEquals(Optional.of("newer"), CutOverFixture.valueIn(targetClient, "orders-v2", "conflict"));
                forward.requestStop();
                reverse.requestStop();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One key changed on both sides within the lag window: the source gets the newer version from one writer while the
     * forward applier is held, the target an older one from another writer. The reverse applier refuses the older one,
     * counts and lists it; once the forward applier runs again, the newer version wins on the target too.
     */
    private static void conflictOnBothSides(DynamoDbClient client, DynamoDbClient targetClient, AtomicBoolean holdForward,
                                            AtomicReference<MigrationStatus> rev, Future<?> r, Path reverseDir) throws Exception {
        VersionAttribute v = VersionAttribute.DEFAULT;
        var older = new HybridClock("writer-x").next();
        Thread.sleep(5);
        var newer = new HybridClock("writer-y").next();
        holdForward.set(true);
        Thread.sleep(100); // the round in flight ends
        client.putItem(b -> b.tableName("orders").item(v.stamp(CutOverFixture.item("conflict", "newer"), newer)));
        targetClient.putItem(b -> b.tableName("orders-v2").item(v.stamp(CutOverFixture.item("conflict", "older"), older)));
        waitFor(() -> rev.get().conflicts() >= 1, r);
        holdForward.set(false);
        // Resolved by version on both sides: the forward applier carries the newer value to the target.
        waitFor(() -> CutOverFixture.valueIn(targetClient, "orders-v2", "conflict").equals(Optional.of("newer")), r);
        assertEquals(1, rev.get().conflicts(), "one conflict counted");
        List<String> lines = Files.readAllLines(reverseDir.resolve(DynamoDbMigration.CONFLICTS_FILE));
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\"conflict\"") && lines.get(0).contains(older.encoded()) && lines.get(0).contains(newer.encoded()),
                lines.get(0));
    }

    private SwitchResult failBack(PhaseSwitcher switcher) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return switcher.failback(APP, Phase.DUAL_WRITE_TARGET_READS, false, "failback", "test");
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(300);
            }
        }
    }

    private static void switchTo(PhaseSwitcher switcher, Phase to) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                assertEquals(to, switcher.switchPhase(APP, Optional.of(to), false, "failback IT", "test").to());
                return;
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(300);
            }
        }
    }

    private static void verify(DynamoDbEndpoint from, DynamoDbEndpoint to, Path verifyDir) {
        String a = from.role().equals("source") ? "orders" : "orders-v2";
        String b = a.equals("orders") ? "orders-v2" : "orders";
        try (DynamoDbVerification v = new DynamoDbVerification(from, to, 4)) {
            assertTrue(v.run(a, b, VerifyOptions.defaults(), CopyProgress.NONE, verifyDir.resolve("report.jsonl"), Optional.of(verifyDir))
                    .identical());
        }
    }

    private static boolean inSync(AtomicReference<MigrationStatus> s) {
        return s.get() != null && s.get().phase().equals("IN_SYNC");
    }

    private static void waitFor(BooleanSupplier condition, Future<?> running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (running.isDone()) {
                running.get(); // throws what ended it
                throw new AssertionError("the migration ended");
            }
            assertTrue(System.nanoTime() < deadline, "not reached within 30 s");
            Thread.sleep(100);
        }
    }

    /** The application: puts, deletes and increments through the store, and what it was told succeeded. */
    private static final class Application implements Runnable, AutoCloseable {
        final Map<String, Optional<String>> expected = new ConcurrentHashMap<>();
        final AtomicLong increments = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean paused = new AtomicBoolean();
        private final RegistryWatcher watcher;
        private final MigratingStore store;

        Application(DynamoDbClient client, DynamoDbClient targetClient, EndpointRegistry registry, Path journal) {
            watcher = new RegistryWatcher(registry, APP, Duration.ofMillis(100)).start();
            store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(client, "orders"))
                    .target(DynamoDbStore.of(targetClient, "orders-v2")).journalDir(journal).instance("app-1")
                    .drainInterval(Duration.ofMillis(200)).build();
        }

        @Override
        public void run() {
            Random random = new Random(7);
            long seq = 0;
            while (!stop.get()) {
                if (paused.get()) {
                    sleep(20);
                    continue;
                }
                seq++;
                int op = random.nextInt(20);
                String id = "k" + random.nextInt(40);
                String value = "v" + seq;
                try {
                    if (op < 12) {
                        store.put(CutOverFixture.item(id, value));
                        expected.put(id, Optional.of(value));
                    } else if (op < 15) {
                        store.delete(CutOverFixture.key(id));
                        expected.put(id, Optional.empty());
                    } else {
                        store.update(CutOverFixture.key("counter"), new Store.Update("ADD #n :one", Map.of("#n", "n"),
                                Map.of(":one", AttributeValue.fromN("1"))));
                        increments.incrementAndGet();
                    }
                    acknowledged.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
                sleep(5);
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            store.close();
            watcher.close();
        }
    }
}
