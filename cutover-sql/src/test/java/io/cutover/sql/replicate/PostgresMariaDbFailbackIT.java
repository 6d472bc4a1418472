package io.cutover.sql.replicate;

import static io.cutover.sql.replicate.SqlPair.TABLE;
import static io.cutover.sql.replicate.SqlPair.V;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Store;
import io.cutover.client.StoreEndpoint;
import io.cutover.control.GateLimits;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchGates;
import io.cutover.control.walk.FailbackWalk;
import io.cutover.control.walk.OracleApplication;
import io.cutover.control.walk.ReplicatorProcess;
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
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle walk of a PostgreSQL table moving to MariaDB and back (issue 12, docs/decisions/0200): the shared
 * {@link FailbackWalk} (as {@code SqlFailbackIT} and {@code MongoFailbackIT} run it) with an {@link OracleApplication}
 * writing through {@code MigratingStore(source = SqlStore on PostgreSQL, target = SqlStore on MariaDB)} (puts, deletes,
 * increments) and logging what it was told succeeded; PostgreSQL → MariaDB and MariaDB → PostgreSQL each run in their own
 * process ({@link SqlPairReplicatorProcess}), fenced by the registry, each killed with SIGKILL once and started again; the
 * walk cuts over, fails back and cuts over again through the gated {@link PhaseSwitcher}, its verify gate fed by the
 * verify of the pair ({@link SqlPairVerification}); a key changed on both engines is counted as a conflict once and the
 * newer version wins on both. At the end both tables equal the log key by key, the counter equals the acknowledged
 * increments, the verify finds them identical, nothing was dead-lettered, and once quiet neither direction captures
 * anything more.
 */
class PostgresMariaDbFailbackIT {
    private static final String APP = "accounts-app";
    private static final long COUNTER = 5000;
    private static final long CONFLICT = 6000;

    @TempDir
    Path dir;

    @Test
    void postgresqlMovesToMariaDbFailsBackAndMovesAgainWithBothEqualToWhatTheApplicationWasTold() throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(1);
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
            try (ReplicatorProcess forward = replicator("forward", pgUri, mariaUri, forwardDir, registryTable);
                 ReplicatorProcess reverse = replicator("reverse", mariaUri, pgUri, reverseDir, registryTable);
                 SqlStore pgStore = new SqlStore(SqlEndpoint.parse(pgUri), TABLE, SqlPair.mapping(pgUri), V);
                 SqlStore mariaStore = new SqlStore(SqlEndpoint.parse(mariaUri), TABLE, SqlPair.mapping(mariaUri), V)) {
                for (long id = 1; id <= 100; id++) { // rows from before the cut-over: no versions
                    pgStore.put(SqlPair.item(pgStore, id, "before " + id));
                }
                Map<String, AttributeValue> counter = SqlPair.item(pgStore, COUNTER, "counter");
                counter.put("amount", AttributeValue.fromN("0"));
                pgStore.put(counter);
                forward.start();
                FailbackWalk.waitFor("the forward direction in sync", forward::inSync, forward);
                FailbackWalk.waitFor("the backfill verified", () -> identical(pgUri, mariaUri, verifyDir), forward);

                FailbackWalk.Pair pair = new FailbackWalk.Pair() {
                    @Override
                    public boolean identical(Path verifyDir) {
                        return PostgresMariaDbFailbackIT.identical(pgUri, mariaUri, verifyDir);
                    }

                    @Override
                    public void conflictOnBothSides(ReplicatorProcess reverse) throws Exception {
                        PostgresMariaDbFailbackIT.conflictOnBothSides(pgStore, mariaStore, reverse, reverseDir);
                    }
                };
                OracleApplication app = new OracleApplication(pgStore, mariaStore, registry, APP, dir.resolve("journal"),
                        new Workload(pgStore));
                FailbackWalk walk = new FailbackWalk(APP, switcher, forward, reverse, app, pair, verifyDir);
                walk.runWhileWriting(pool);
                MigrationStatus f2 = forward.status().orElseThrow();
                MigrationStatus r2 = reverse.status().orElseThrow();
                System.out.printf("PostgresMariaDbFailbackIT: %d acknowledged (%d increments), %d failed, %d slowed, %d ambiguous; forward"
                                + " captured %d, refused %d (echoes), lag p99 %d ms; reverse captured %d, refused %d, conflicts %d, lag p99 %d"
                                + " ms; %d s%n%s%n", app.acknowledged.get(), app.increments.get(), app.failed.get(), app.slowed.get(),
                        app.ambiguous.get(), f2.captured(), f2.refused(), f2.pipelineLagP99Millis(), r2.captured(), r2.refused(),
                        r2.conflicts(), r2.pipelineLagP99Millis(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
                        String.join("\n", walk.timeline()));
                assertTrue(f2.refused() > 0 && r2.refused() > 0, "each direction's writes came back through the other's capture and"
                        + " were refused as echoes");
                assertEquals(0, f2.deadLettered() + r2.deadLettered(), "dead letters");
                assertEquals(0, app.failed.get(), "failed writes");
                assertEquals(1, app.slowed.get(), "one write was slow at the handover");
                assertEquals(1, app.ambiguous.get(), "one secondary write landed and then timed out");
                assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
                assertEquals(List.of(), app.differences(List.of(pgStore, mariaStore), V, i -> i.get("note").s()),
                        "both engines equal what the application was told, key by key");
                for (SqlStore side : List.of(pgStore, mariaStore)) {
                    Map<String, AttributeValue> held = side.get(side.keyOf(SqlPair.item(side, COUNTER, ""))).orElseThrow();
                    assertEquals(0, new BigDecimal(app.increments.get()).compareTo(new BigDecimal(held.get("amount").n())),
                            "the counter on " + side.name() + ": " + held.get("amount").n());
                    assertEquals(Optional.of("newer"), side.get(side.keyOf(SqlPair.item(side, CONFLICT, ""))).flatMap(V::visible)
                            .map(i -> i.get("note").s()), "the conflict resolved by version on " + side.name());
                }
                assertEquals(1, r2.conflicts(), "the one conflict counted by the way back");
                assertTrue(identical(pgUri, mariaUri, verifyDir), "the verify of the pair at the end");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ReplicatorProcess replicator(String direction, String from, String into, Path stateDir, String registryTable) {
        return new ReplicatorProcess(direction, ReplicatorProcess.java(SqlPairReplicatorProcess.class, direction, from, into,
                stateDir.toString(), LocalTables.shared().endpoint().toString(), registryTable, APP), stateDir,
                Path.of("target", "sql-pair-logs"), SqlMigration::lastStatus);
    }

    /** One verify of the pair; {@code verifyDir} non-null records it for the gates. */
    private static boolean identical(String pgUri, String mariaUri, Path verifyDir) {
        return SqlPairVerification.run(SqlEndpoint.parse(pgUri), TABLE, SqlEndpoint.parse(mariaUri), TABLE, V.tombstone(),
                Optional.ofNullable(verifyDir)).identical();
    }

    /**
     * One key changed on both engines within the lag window, at TARGET_ONLY (the forward direction fenced): PostgreSQL gets
     * the newer version from one writer, MariaDB an older one from another. The way back refuses the older one, counts and
     * lists it; after the rollback the forward direction carries the newer value to MariaDB, so the newer wins on both.
     */
    private static void conflictOnBothSides(SqlStore pgSide, SqlStore mariaSide, ReplicatorProcess reverse, Path reverseDir)
            throws Exception {
        Version older = new HybridClock("writer-x").next();
        Thread.sleep(5);
        Version newer = new HybridClock("writer-y").next();
        long before = reverse.status().map(MigrationStatus::conflicts).orElse(0L);
        assertTrue(pgSide.putIfNewer(V.stamp(SqlPair.item(pgSide, CONFLICT, "newer"), newer), V));
        assertTrue(mariaSide.putIfNewer(V.stamp(SqlPair.item(mariaSide, CONFLICT, "older"), older), V));
        FailbackWalk.waitFor("the conflict counted", () -> reverse.status().map(s -> s.conflicts() > before).orElse(false), reverse);
        List<String> lines = Files.readAllLines(reverseDir.resolve(SqlMigration.CONFLICTS_FILE));
        assertTrue(lines.stream().anyMatch(l -> l.contains(older.encoded()) && l.contains(newer.encoded())), lines.toString());
    }

    /** The application's operations on accounts 1..60 and the counter: puts of a new note, deletes, increments. */
    private static final class Workload implements OracleApplication.Workload {
        private final SqlStore mapping;
        private final Map<String, AttributeValue> counterKey;

        Workload(SqlStore mapping) {
            this.mapping = mapping;
            this.counterKey = mapping.keyOf(SqlPair.item(mapping, COUNTER, ""));
        }

        @Override
        public void next(Random random, long seq, Store store, OracleApplication.Told told) {
            int op = random.nextInt(20);
            long id = 1 + random.nextInt(60);
            String note = "v" + seq;
            if (op < 12) {
                Map<String, AttributeValue> item = SqlPair.item(mapping, id, note);
                store.put(item);
                told.put(mapping.keyOf(item), note);
            } else if (op < 15) {
                Map<String, AttributeValue> key = mapping.keyOf(SqlPair.item(mapping, id, ""));
                store.delete(key);
                told.delete(key);
            } else {
                store.update(counterKey, new Store.Update("ADD #a :one", Map.of("#a", "amount"), Map.of(":one", AttributeValue.fromN("1"))));
                told.increment();
            }
        }
    }
}
