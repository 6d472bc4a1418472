package io.cutover.sql.replicate;

import static io.cutover.sql.replicate.SqlPair.TABLE;
import static io.cutover.sql.replicate.SqlPair.V;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.control.walk.FailbackWalk;
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
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.local.LocalTables;
import io.cutover.sql.MariaDbServer;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.store.SqlStore;
import io.cutover.sql.verify.SqlPairVerification;
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
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle walk of a PostgreSQL table moving to MariaDB and back (issue 12, docs/decisions/0200): an application writes
 * through {@code MigratingStore(source = SqlStore on PostgreSQL, target = SqlStore on MariaDB)} (puts, deletes, increments)
 * and logs what it was told succeeded; PostgreSQL → MariaDB and MariaDB → PostgreSQL each run in their own process, fenced
 * by the registry, each killed with SIGKILL once and started again; SOURCE_ONLY → DUAL_WRITE → DUAL_WRITE_TARGET_READS →
 * TARGET_ONLY → rollback → failback → DUAL_WRITE → DUAL_WRITE_TARGET_READS → TARGET_ONLY through the gated {@link
 * PhaseSwitcher} (its verify gate fed by the keyed verify of the pair); a key changed on both engines is counted as a
 * conflict and the newer version wins on both. At the end both tables equal the log key by key, the counter equals the
 * acknowledged increments, the verify finds them identical, and once quiet neither direction captures anything more.
 */
class PostgresMariaDbFailbackIT {
    private static final String APP = "accounts-app";
    private static final long COUNTER = 5000;

    @TempDir
    Path dir;

    @Test
    void postgresqlMovesToMariaDbFailsBackAndMovesAgainWithBothEqualToWhatTheApplicationWasTold() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        List<Process> processes = new ArrayList<>();
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(); MariaDbServer maria = MariaDbServer.start();
             DynamoDbClient registryClient = LocalTables.client(LocalTables.shared())) {
            String pgUri = SqlPair.createPostgres(pg);
            String mariaUri = SqlPair.createMariaDb(maria);
            Path forwardDir = dir.resolve("forward");
            Path reverseDir = dir.resolve("reverse");
            Path verifyDir = dir.resolve("verify");
            String registryTable = LocalTables.uniqueName("registry");
            EndpointRegistry registry = new EndpointRegistry(registryClient, registryTable).ensureTable();
            registry.register(APP, StoreEndpoint.table("public." + TABLE), StoreEndpoint.table("app." + TABLE), forwardDir.toString(),
                    verifyDir.toString(), reverseDir.toString(), "test", null);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));
            Replicator forward = new Replicator("forward", pgUri, mariaUri, forwardDir, registryTable, processes);
            Replicator reverse = new Replicator("reverse", mariaUri, pgUri, reverseDir, registryTable, processes);
            try (SqlStore seed = new SqlStore(SqlEndpoint.parse(pgUri), TABLE, SqlPair.mapping(pgUri), V)) {
                for (long id = 1; id <= 100; id++) { // rows from before the cut-over: no versions
                    seed.put(SqlPair.item(seed, id, "before " + id));
                }
                Map<String, AttributeValue> counter = SqlPair.item(seed, COUNTER, "counter");
                counter.put("amount", AttributeValue.fromN("0"));
                seed.put(counter);
            }
            forward.start();
            waitFor("the forward direction in sync", () -> forward.inSync());
            verify(pgUri, mariaUri, verifyDir);

            Application app = new Application(pgUri, mariaUri, registry, dir.resolve("journal"));
            Future<?> writing = pool.submit(app);
            try {
                Thread.sleep(1000);
                switchTo(switcher, Phase.DUAL_WRITE);
                reverse.start();
                waitFor("the reverse direction in sync", () -> reverse.inSync());
                forward.kill();
                forward.start();
                waitFor("the forward direction in sync after SIGKILL", () -> forward.inSync() && forward.freshStatus());
                verifyWhilePaused(app, forward, reverse, pgUri, mariaUri, verifyDir);
                switchTo(switcher, Phase.DUAL_WRITE_TARGET_READS);
                Thread.sleep(500);
                switchTo(switcher, Phase.TARGET_ONLY);
                waitFor("the forward direction fenced", () -> forward.status().map(MigrationStatus::fenced).orElse(false));
                Thread.sleep(1000);
                reverse.kill();
                Thread.sleep(1000); // the application keeps writing to MariaDB only while the way back is down
                reverse.start();
                waitFor("the reverse direction in sync after SIGKILL", () -> reverse.inSync() && reverse.freshStatus());
                conflictOnBothSides(pgUri, mariaUri, reverse, reverseDir);
                assertEquals(Phase.DUAL_WRITE_TARGET_READS, switcher.rollback(APP, Phase.TARGET_ONLY, "on the way back", "test").to());
                verifyWhilePaused(app, forward, reverse, pgUri, mariaUri, verifyDir);
                assertEquals(Phase.DUAL_WRITE, failBack(switcher).to());
                Thread.sleep(500);
                verifyWhilePaused(app, forward, reverse, pgUri, mariaUri, verifyDir);
                switchTo(switcher, Phase.DUAL_WRITE_TARGET_READS); // cut over again
                Thread.sleep(500);
                switchTo(switcher, Phase.TARGET_ONLY);
                Thread.sleep(1000);
            } finally {
                app.stop.set(true);
                writing.get(60, TimeUnit.SECONDS);
                app.close();
            }
            assertEquals(0, app.failed.get(), "failed writes");
            assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
            // At TARGET_ONLY the forward direction is fenced; the way back carries the last writes to PostgreSQL.
            waitFor("the reverse drained", () -> reverse.status().map(s -> !s.fenced() && s.backlog() == 0).orElse(false));
            // No loop: the captures come to rest (FailbackWalk.atRest: one whole quiet 3 s window; a loop never rests).
            MigrationStatus[] rest = FailbackWalk.atRest(() -> forward.status().orElseThrow(), () -> reverse.status().orElseThrow(), 3000);
            MigrationStatus f2 = rest[0];
            MigrationStatus r2 = rest[1];
            System.out.printf("PostgresMariaDbFailbackIT: %d acknowledged (%d increments, %d deletes); forward captured %d, refused %d"
                            + " (echoes), lag p99 %d ms; reverse captured %d, refused %d, conflicts %d, lag p99 %d ms%n", app.acknowledged.get(),
                    app.increments.get(), app.deletes.get(), f2.captured(), f2.refused(), f2.pipelineLagP99Millis(), r2.captured(),
                    r2.refused(), r2.conflicts(), r2.pipelineLagP99Millis());
            assertTrue(f2.refused() > 0 && r2.refused() > 0, "each direction's writes came back through the other's capture and were"
                    + " refused as echoes");
            assertTrue(r2.conflicts() >= 1, "the conflict was counted");
            assertEquals(0, f2.deadLettered() + r2.deadLettered(), "dead letters");

            List<String> wrong = new ArrayList<>();
            try (SqlStore pgSide = new SqlStore(SqlEndpoint.parse(pgUri), TABLE, SqlPair.mapping(pgUri), V);
                 SqlStore mariaSide = new SqlStore(SqlEndpoint.parse(mariaUri), TABLE, SqlPair.mapping(mariaUri), V)) {
                for (Map.Entry<Long, Optional<String>> told : app.expected.entrySet()) {
                    for (SqlStore side : List.of(pgSide, mariaSide)) {
                        Optional<String> actual = side.get(side.keyOf(SqlPair.item(side, told.getKey(), ""))).flatMap(V::visible)
                                .map(i -> i.get("note").s());
                        if (!actual.equals(told.getValue())) {
                            wrong.add(told.getKey() + ": told " + told.getValue() + ", " + side.name() + " has " + actual);
                        }
                    }
                }
                assertEquals(List.of(), wrong, "both engines equal what the application was told, key by key");
                for (SqlStore side : List.of(pgSide, mariaSide)) {
                    Map<String, AttributeValue> counter = side.get(side.keyOf(SqlPair.item(side, COUNTER, ""))).orElseThrow();
                    assertEquals(0, new java.math.BigDecimal(app.increments.get()).compareTo(new java.math.BigDecimal(counter.get("amount").n())),
                            "the counter on " + side.name() + ": " + counter.get("amount").n());
                    assertEquals(Optional.of("newer"), side.get(side.keyOf(SqlPair.item(side, 6000, ""))).flatMap(V::visible)
                            .map(i -> i.get("note").s()), "the conflict resolved by version on " + side.name());
                }
            }
            verify(pgUri, mariaUri, verifyDir);
        } finally {
            processes.forEach(Process::destroyForcibly);
            pool.shutdownNow();
        }
    }

    /**
     * One key changed on both engines within the lag window, at TARGET_ONLY (the forward direction fenced): PostgreSQL gets
     * the newer version from one writer, MariaDB an older one from another. The way back refuses the older one, counts and
     * lists it; after the rollback the forward direction carries the newer value to MariaDB, so the newer wins on both.
     */
    private static void conflictOnBothSides(String pgUri, String mariaUri, Replicator reverse, Path reverseDir) throws Exception {
        Version older = new HybridClock("writer-x").next();
        Thread.sleep(5);
        Version newer = new HybridClock("writer-y").next();
        long before = reverse.status().map(MigrationStatus::conflicts).orElse(0L);
        try (SqlStore pgSide = new SqlStore(SqlEndpoint.parse(pgUri), TABLE, SqlPair.mapping(pgUri), V);
             SqlStore mariaSide = new SqlStore(SqlEndpoint.parse(mariaUri), TABLE, SqlPair.mapping(mariaUri), V)) {
            assertTrue(pgSide.putIfNewer(V.stamp(SqlPair.item(pgSide, 6000, "newer"), newer), V));
            assertTrue(mariaSide.putIfNewer(V.stamp(SqlPair.item(mariaSide, 6000, "older"), older), V));
        }
        waitFor("the conflict counted", () -> reverse.status().map(s -> s.conflicts() > before).orElse(false));
        List<String> lines = Files.readAllLines(reverseDir.resolve(SqlMigration.CONFLICTS_FILE));
        assertTrue(lines.stream().anyMatch(l -> l.contains(older.encoded()) && l.contains(newer.encoded())), lines.toString());
    }

    /** Pauses the application, waits until both directions applied everything, verifies (the gate reads it), resumes. */
    private static void verifyWhilePaused(Application app, Replicator forward, Replicator reverse, String pgUri, String mariaUri,
                                          Path verifyDir) throws Exception {
        app.paused.set(true);
        try {
            Thread.sleep(300);
            verify(pgUri, mariaUri, verifyDir);
        } finally {
            app.paused.set(false);
        }
    }

    /** The keyed verify of the pair, again until identical (the replicators finish what is in flight) or 30 s have passed. */
    private static void verify(String pgUri, String mariaUri, Path verifyDir) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        SqlPairVerification.Result r;
        do {
            r = SqlPairVerification.run(SqlEndpoint.parse(pgUri), TABLE, SqlEndpoint.parse(mariaUri), TABLE, V.tombstone(),
                    Optional.of(verifyDir));
            if (!r.identical()) {
                Thread.sleep(500);
            }
        } while (!r.identical() && System.nanoTime() < deadline);
        assertEquals(List.of(), r.differences(), "the verify of the pair");
    }

    private static io.cutover.control.SwitchResult failBack(PhaseSwitcher switcher) throws InterruptedException {
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
                assertEquals(to, switcher.switchPhase(APP, Optional.of(to), false, "sql pair IT", "test").to());
                return;
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(300);
            }
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + ": not reached within 60 s");
            Thread.sleep(100);
        }
    }

    /** One direction as a child process ({@link SqlPairReplicatorProcess}), killed with SIGKILL and started again. */
    private static final class Replicator {
        private final String direction;
        private final Path stateDir;
        private final List<String> command;
        private final List<Process> processes;
        private Process process;
        private long startedMillis;

        Replicator(String direction, String from, String into, Path stateDir, String registryTable, List<Process> processes) {
            this.direction = direction;
            this.stateDir = stateDir;
            this.processes = processes;
            this.command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                    System.getProperty("java.class.path"), SqlPairReplicatorProcess.class.getName(), direction, from, into,
                    stateDir.toString(), LocalTables.shared().endpoint().toString(), registryTable, APP);
        }

        void start() throws Exception {
            startedMillis = System.currentTimeMillis();
            Path logs = Path.of("target", "sql-pair-logs");
            Files.createDirectories(logs);
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve(direction + "-" + startedMillis
                    + ".log").toFile()).start();
            processes.add(process);
        }

        void kill() throws Exception {
            process.destroyForcibly(); // SIGKILL
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        }

        Optional<MigrationStatus> status() {
            if (!process.isAlive()) {
                throw new AssertionError("the " + direction + " replicator exited with " + process.exitValue() + "; see its log in "
                        + Path.of("target", "sql-pair-logs").toAbsolutePath());
            }
            try {
                return SqlMigration.lastStatus(stateDir);
            } catch (RuntimeException torn) {
                return Optional.empty();
            }
        }

        boolean inSync() {
            return status().map(s -> s.phase().equals("IN_SYNC")).orElse(false);
        }

        boolean freshStatus() {
            return status().map(s -> s.updatedAt() != null && java.time.Instant.parse(s.updatedAt()).toEpochMilli() > startedMillis)
                    .orElse(false);
        }
    }

    /** The application: puts, deletes and increments through the phased store, and what it was told succeeded. */
    private static final class Application implements Runnable, AutoCloseable {
        final Map<Long, Optional<String>> expected = new ConcurrentHashMap<>();
        final AtomicLong increments = new AtomicLong();
        final AtomicLong deletes = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean paused = new AtomicBoolean();
        private final RegistryWatcher watcher;
        private final SqlStore pgStore;
        private final SqlStore mariaStore;
        private final MigratingStore store;

        Application(String pgUri, String mariaUri, EndpointRegistry registry, Path journal) {
            watcher = new RegistryWatcher(registry, APP, Duration.ofMillis(100)).start();
            pgStore = new SqlStore(SqlEndpoint.parse(pgUri), TABLE, SqlPair.mapping(pgUri), V);
            mariaStore = new SqlStore(SqlEndpoint.parse(mariaUri), TABLE, SqlPair.mapping(mariaUri), V);
            store = MigratingStore.builder().watcher(watcher).source(pgStore).target(mariaStore).journalDir(journal)
                    .instance("app-1").drainInterval(Duration.ofMillis(200)).build();
        }

        @Override
        public void run() {
            Random random = new Random(7);
            long seq = 0;
            Map<String, AttributeValue> counterKey = pgStore.keyOf(SqlPair.item(pgStore, COUNTER, ""));
            while (!stop.get()) {
                if (paused.get()) {
                    sleep(20);
                    continue;
                }
                seq++;
                int op = random.nextInt(20);
                long id = 1 + random.nextInt(60);
                String note = "v" + seq;
                try {
                    if (op < 12) {
                        store.put(SqlPair.item(pgStore, id, note));
                        expected.put(id, Optional.of(note));
                    } else if (op < 15) {
                        store.delete(pgStore.keyOf(SqlPair.item(pgStore, id, "")));
                        expected.put(id, Optional.empty());
                        deletes.incrementAndGet();
                    } else {
                        store.update(counterKey, new Store.Update("ADD #a :one", Map.of("#a", "amount"),
                                Map.of(":one", AttributeValue.fromN("1"))));
                        increments.incrementAndGet();
                    }
                    acknowledged.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    org.slf4j.LoggerFactory.getLogger(PostgresMariaDbFailbackIT.class).warn("write failed", e);
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
            pgStore.close();
            mariaStore.close();
        }
    }
}
