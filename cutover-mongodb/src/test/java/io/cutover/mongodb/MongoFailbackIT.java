package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Store;
import io.cutover.client.StoreEndpoint;
import io.cutover.control.GateLimits;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchGates;
import io.cutover.control.SwitchRefusedException;
import io.cutover.control.SwitchResult;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
import java.util.function.BooleanSupplier;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle test of issue 12 for MongoDB → DynamoDB: an application writes through
 * {@code MigratingStore(source = MongoStore, target = DynamoDbStore)} (puts, deletes, increments of one counter) and logs
 * what it was told succeeded, while the forward change-stream migration and the reverse (the table's stream into the
 * collection) run in their own processes, fenced by the registry, and the gated {@link PhaseSwitcher} walks SOURCE_ONLY →
 * DUAL_WRITE → DUAL_WRITE_TARGET_READS → TARGET_ONLY → (rollback) DUAL_WRITE_TARGET_READS → (failback) DUAL_WRITE →
 * (rollback) SOURCE_ONLY. The forward replicator is killed with SIGKILL in DUAL_WRITE, the reverse one in TARGET_ONLY (where
 * it is the only road back), each restarted. At the end the collection and the table are identical (verify), both equal
 * the log key by key, and the counter on each equals the acknowledged increments.
 */
class MongoFailbackIT {
    private static final String APP = "orders-app";
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    @TempDir
    Path dir;

    private final Map<String, Process> replicators = new HashMap<>();
    private TestMongo mongo;
    private LocalDynamoDb dynamo;
    private String registryTable;

    @AfterEach
    void stopProcesses() {
        replicators.values().forEach(p -> p.destroyForcibly());
    }

    @Test
    void walksToTargetOnlyAndFailsBackWithBothSitesEqualToWhatTheApplicationWasTold() throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TestMongo m = new TestMongo(true); MongoClient mongoClient = m.client(); LocalDynamoDb d = LocalDynamoDb.startChildProcess();
             DynamoDbClient ddb = LocalTables.client(d); DynamoDbClient registryClient = LocalTables.client(LocalTables.shared())) {
            mongo = m;
            dynamo = d;
            for (int i = 0; i < 50; i++) {
                mongoClient.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", "seed" + i).append("value", "s" + i));
            }
            Path forwardDir = dir.resolve("forward");
            Path reverseDir = dir.resolve("reverse");
            Path verifyDir = dir.resolve("verify");
            // The registry on another server with no stream, as it would be in its own account or region.
            registryTable = LocalTables.uniqueName("registry");
            EndpointRegistry registry = new EndpointRegistry(registryClient, registryTable).ensureTable();
            registry.register(APP, StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), forwardDir.toString(),
                    verifyDir.toString(), reverseDir.toString(), "test", null);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));

            replicators.put("forward", start("forward", forwardDir));
            waitFor("the forward migration in sync", () -> inSyncSince(forwardDir, Instant.EPOCH));
            assertTrue(verify(verifyDir).identical(), "the backfill and the change stream left both sides identical");

            MongoStore mongoStore = new MongoStore(mongoClient.getDatabase("shop").getCollection("orders"), DocumentMapping.byId("id"));
            DynamoDbStore dynamoStore = DynamoDbStore.of(ddb, "orders-v2");
            Application app = new Application(mongoStore, dynamoStore, registry, dir.resolve("journal"));
            Future<?> writing = pool.submit(app);
            try {
                Thread.sleep(1000);
                move(Phase.DUAL_WRITE, () -> switcher.switchPhase(APP, Optional.of(Phase.DUAL_WRITE), false, "dual write", "test"));
                replicators.put("reverse", start("reverse", reverseDir));
                waitFor("the reverse in sync", () -> inSyncSince(reverseDir, Instant.EPOCH));
                Thread.sleep(500);
                kill9AndRestart("forward", forwardDir);
                move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.switchPhase(APP, Optional.of(Phase.DUAL_WRITE_TARGET_READS), false,
                        "handover", "test"));
                Thread.sleep(1000);
                move(Phase.TARGET_ONLY, () -> switcher.switchPhase(APP, Optional.of(Phase.TARGET_ONLY), false, "target only", "test"));
                waitFor("the forward fenced", () -> DynamoDbMigration.lastStatus(forwardDir).map(MigrationStatus::fenced).orElse(false));
                Thread.sleep(500);
                kill9AndRestart("reverse", reverseDir);
                Thread.sleep(1500);
                move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.rollback(APP, Phase.TARGET_ONLY, "on the way back", "test"));
                // A verify of the pair finished after the reverse reached IN_SYNC: quiesce the application for it.
                app.paused.set(true);
                Thread.sleep(300);
                waitFor("both directions drained and both sides identical", () -> backlog(reverseDir) == 0 && backlog(forwardDir) == 0
                        && verify(null).identical());
                assertTrue(verify(verifyDir).identical());
                app.paused.set(false);
                SwitchResult back = move(Phase.DUAL_WRITE, () -> switcher.failback(APP, Phase.DUAL_WRITE_TARGET_READS, false, "failback",
                        "test"));
                assertTrue(back.gates().stream().anyMatch(g -> g.name().equals("reverse-drained") && g.passed()), back.gates().toString());
                Thread.sleep(1500);
                move(Phase.SOURCE_ONLY, () -> switcher.rollback(APP, Phase.DUAL_WRITE, "back home", "test"));
                Thread.sleep(1500);
            } finally {
                app.stop.set(true);
                writing.get(60, TimeUnit.SECONDS);
                app.close();
            }
            // At SOURCE_ONLY the reverse is fenced; the forward carries the last writes to the target.
            try {
                waitFor("the forward drained and both sides identical", () -> !DynamoDbMigration.lastStatus(forwardDir).orElseThrow().fenced()
                        && backlog(forwardDir) == 0 && verify(null).identical());
            } catch (AssertionError e) {
                VerifyResult v = verify(null);
                throw new AssertionError(e.getMessage() + ": forward " + DynamoDbMigration.lastStatus(forwardDir).orElse(null) + "; verify "
                        + v.missingKeys() + " missing, " + v.extraKeys() + " extra, " + v.differentItems() + " different", e);
            }
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, Optional<String>> e : app.expected.entrySet()) {
                for (Store side : List.of(mongoStore, dynamoStore)) {
                    Optional<String> actual = side.get(key(e.getKey())).flatMap(V::visible).map(i -> i.get("value").s());
                    if (!actual.equals(e.getValue())) {
                        wrong.add(e.getKey() + ": told " + e.getValue() + ", " + side.name() + " has " + actual);
                    }
                }
            }
            assertEquals(List.of(), wrong, "both sites equal what the application was told, key by key");
            for (Store side : List.of(mongoStore, dynamoStore)) {
                assertEquals(app.increments.get(), Long.parseLong(side.get(key("counter")).orElseThrow().get("n").n()),
                        "the counter in " + side.name() + " equals the acknowledged increments");
            }
            MigrationStatus fwd = DynamoDbMigration.lastStatus(forwardDir).orElseThrow();
            MigrationStatus rev = DynamoDbMigration.lastStatus(reverseDir).orElseThrow();
            System.out.printf("MongoFailbackIT: %d acknowledged (%d increments), %d failed; forward applied %d, refused %d (since its"
                    + " restart); reverse applied %d, refused %d; %d s%n", app.acknowledged.get(), app.increments.get(), app.failed.get(),
                    fwd.applied(), fwd.refused(), rev.applied(), rev.refused(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
            assertEquals(0, app.failed.get(), "failed writes");
            assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
            assertEquals(0, fwd.deadLettered() + rev.deadLettered(), "dead letters");
        } finally {
            pool.shutdownNow();
        }
    }

    private interface Move {
        SwitchResult run();
    }

    /** A move as an operator makes it: refused by the gates while the replicators catch up, so tried again for a minute. */
    private static SwitchResult move(Phase to, Move move) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                SwitchResult r = move.run();
                assertEquals(to, r.to());
                return r;
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(300);
            }
        }
    }

    private VerifyResult verify(Path verifyDir) {
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), "orders", DocumentMapping.byId("id"),
                DynamoDbEndpoint.local("target", dynamo.endpoint()), 4)) {
            return v.run("orders-v2", VerifyOptions.defaults().withSegments(2).withParallelism(2), CopyProgress.NONE,
                    dir.resolve("report-" + System.nanoTime() + ".jsonl"), Optional.ofNullable(verifyDir));
        }
    }

    private static long backlog(Path stateDir) {
        return DynamoDbMigration.lastStatus(stateDir).map(MigrationStatus::backlog).orElse(Long.MAX_VALUE);
    }

    /** IN_SYNC in a status written after {@code after} (a restarted replicator has run again). */
    private static boolean inSyncSince(Path stateDir, Instant after) {
        return DynamoDbMigration.lastStatus(stateDir).map(s -> s.phase().equals("IN_SYNC") && s.updatedAt() != null
                && Instant.parse(s.updatedAt()).isAfter(after)).orElse(false);
    }

    private void kill9AndRestart(String direction, Path stateDir) throws Exception {
        replicators.get(direction).destroyForcibly().waitFor();
        Instant restarted = Instant.now();
        replicators.put(direction, start(direction, stateDir));
        waitFor("the " + direction + " replicator running again", () -> inSyncSince(stateDir, restarted));
    }

    private Process start(String direction, Path stateDir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), MongoReplicatorProcess.class.getName(), direction, mongo.uri("shop"), "orders",
                dynamo.endpoint().toString(), "orders-v2", stateDir.toString(), LocalTables.shared().endpoint().toString(), registryTable,
                APP));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(direction + "-" + System.nanoTime() + ".log")
                .toFile()).start();
    }

    private void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            replicators.forEach((name, p) -> assertTrue(p.isAlive(), "the " + name + " replicator died before " + what));
            assertTrue(System.nanoTime() < deadline, what + " not reached within 60 s");
            Thread.sleep(200);
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
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

        Application(MongoStore source, DynamoDbStore target, EndpointRegistry registry, Path journal) {
            watcher = new RegistryWatcher(registry, APP, Duration.ofMillis(100)).start();
            store = MigratingStore.builder().watcher(watcher).source(source).target(target).journalDir(journal).instance("app-1")
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
                        store.put(Map.of("id", AttributeValue.fromS(id), "value", AttributeValue.fromS(value)));
                        expected.put(id, Optional.of(value));
                    } else if (op < 15) {
                        store.delete(key(id));
                        expected.put(id, Optional.empty());
                    } else {
                        store.update(key("counter"), new Store.Update("ADD #n :one", Map.of("#n", "n"),
                                Map.of(":one", AttributeValue.fromN("1"))));
                        increments.incrementAndGet();
                    }
                    acknowledged.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    System.out.println("MongoFailbackIT: write failed: " + e.getMessage());
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
