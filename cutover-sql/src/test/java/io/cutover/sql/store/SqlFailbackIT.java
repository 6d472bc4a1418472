package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Store;
import io.cutover.client.StoreEndpoint;
import io.cutover.control.GateLimits;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchGates;
import io.cutover.control.walk.FailbackWalk;
import io.cutover.control.walk.OracleApplication;
import io.cutover.control.walk.ReplicatorProcess;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.verify.SqlVerification;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle walk of a SQL table into DynamoDB and back (issue 12, docs/decisions/0130), on PostgreSQL (the logging
 * example's table and mapping) and on MariaDB: an application writing through
 * {@code MigratingStore(source = SqlStore, target = DynamoDbStore)} (puts, deletes, changes of key, increments) and logging
 * what it was told succeeded; the forward migration ({@code migrate --source postgresql://...} with the version rule) and
 * the reverse (the DynamoDB table's stream applied to the rows through the inverse mapping) each in its own process,
 * fenced by the registry. {@link FailbackWalk} cuts over to DynamoDB, fails back and cuts over again through the gated
 * {@code PhaseSwitcher}, with each replicator killed with SIGKILL once, a secondary write slow at a handover and one that
 * lands and then times out, and a key changed on both sides (counted as a conflict; the newer version wins). At the end
 * both sides equal the log key by key, the counter the acknowledged increments, and once quiet neither direction
 * captures anything more (no loop).
 */
class SqlFailbackIT {
    private static final String APP = "logs-app";
    private static final String TABLE = "logs";
    private static final long COUNTER = 5000;
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    @TempDir
    Path dir;

    /** The SQL side of a walk: where it is, its table and mapping, and the items the application writes. */
    private interface Engine {
        String uri();

        default SqlEndpoint sql() {
            return SqlEndpoint.parse(uri());
        }

        String table();

        /** The table as a verify names it (schema.table), registered as the application's source. */
        String qualified();

        Mapping mapping();

        Path mappingFile();

        Map<String, AttributeValue> item(SqlStore store, long id, String service, String message, long durationMillis);
    }

    private record Site(String uri, String table, String qualified, Mapping mapping, Path mappingFile, ItemMaker maker) implements Engine {
        @Override
        public Map<String, AttributeValue> item(SqlStore store, long id, String service, String message, long durationMillis) {
            return maker.item(store, id, service, message, durationMillis);
        }
    }

    @FunctionalInterface
    private interface ItemMaker {
        Map<String, AttributeValue> item(SqlStore store, long id, String service, String message, long durationMillis);
    }

    @Test
    void postgresqlWalksToDynamoDbOnlyAndFailsBackWithBothSidesEqualToWhatTheApplicationWasTold() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            String uri = pg.createDatabase("oracle");
            SqlEndpoint sql = SqlEndpoint.parse(uri);
            LoggingTable.create(pg, "oracle");
            IntegrationLogs.load(sql, 300, 11); // rows from before the cut-over: no versions
            Path mapping = java.nio.file.Files.writeString(dir.resolve("mapping.yaml"), IntegrationLogs.resource("mapping.yaml"));
            walk(new Site(uri, "integration_logs", "public.integration_logs", LoggingTable.MAPPING, mapping, LoggingTable::item));
        }
    }

    private static final String MARIADB_MAPPING = """
            mapping:
              partitionKey: { attribute: PK, template: "${service_name}-${log_timestamp:yyyy-MM-dd}" }
              sortKey: { attribute: SK, template: "${log_timestamp}#${log_id}" }
              attributes:
                rename: { log_id: LogId, service_name: ServiceName, log_timestamp: Timestamp, message: Message, duration_ms: DurationMs }
              nulls: drop
              computed:
                - { attribute: ExpiresAt, template: "${log_timestamp:epoch+90d}", type: N }
              ttl: ExpiresAt
              indexes:
                - name: GSI1
                  partitionKey: { attribute: GSI1PK, template: "SVC#${service_name}" }
                  sortKey: { attribute: GSI1SK, template: "${log_timestamp}" }
            """;

    @Test
    void mariaDbWalksToDynamoDbOnlyAndFailsBackWithBothSidesEqualToWhatTheApplicationWasTold() throws Exception {
        try (io.cutover.sql.MariaDbServer maria = io.cutover.sql.MariaDbServer.start()) {
            String uri = maria.createDatabase("shop");
            maria.execute("shop", "CREATE TABLE logs (log_id BIGINT PRIMARY KEY, service_name VARCHAR(40) NOT NULL, log_timestamp DATETIME(6)"
                    + " NOT NULL, message TEXT, duration_ms DECIMAL(12,3), cutover_v VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin,"
                    + " cutover_v_deleted BOOLEAN)");
            StringBuilder rows = new StringBuilder("INSERT INTO logs (log_id, service_name, log_timestamp, message, duration_ms) VALUES ");
            for (int i = 1; i <= 300; i++) {
                rows.append(i == 1 ? "" : ", ").append("(").append(i).append(", 'search', TIMESTAMP '2026-11-01 00:00:00' + INTERVAL ")
                        .append(i * 7).append(" SECOND, 'row ").append(i).append("', ").append(i).append(".5)");
            }
            maria.execute("shop", rows.toString());
            Path mapping = java.nio.file.Files.writeString(dir.resolve("mapping.yaml"), MARIADB_MAPPING);
            walk(new Site(uri, "logs", "shop.logs", Mapping.load(mapping), mapping, SqlFailbackIT::mariaDbItem));
        }
    }

    private static Map<String, AttributeValue> mariaDbItem(SqlStore store, long id, String service, String message, long durationMillis) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        store.mapper().schema().columns().keySet().forEach(c -> row.put(c, null));
        row.put("log_id", id);
        row.put("service_name", service);
        row.put("log_timestamp", java.time.LocalDateTime.parse("2026-11-02T08:00:00").plusSeconds(id * 61));
        row.put("message", message);
        row.put("duration_ms", java.math.BigDecimal.valueOf(durationMillis));
        return new java.util.TreeMap<>(store.mapper().item(row));
    }

    private void walk(Engine e) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess();
             DynamoDbClient client = LocalTables.client(db); DynamoDbClient registryClient = LocalTables.client(LocalTables.shared())) {
            SqlEndpoint sql = e.sql();
            Path forwardDir = dir.resolve("forward");
            Path reverseDir = dir.resolve("reverse");
            Path verifyDir = dir.resolve("verify");
            String registryTable = LocalTables.uniqueName("registry");
            EndpointRegistry registry = new EndpointRegistry(registryClient, registryTable).ensureTable();
            registry.register(APP, StoreEndpoint.table(e.qualified()), StoreEndpoint.table(TABLE), forwardDir.toString(),
                    verifyDir.toString(), reverseDir.toString(), "test", null);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));
            try (ReplicatorProcess forward = replicator("forward", e, db, forwardDir, registryTable, SqlMigration::lastStatus);
                 ReplicatorProcess reverse = replicator("reverse", e, db, reverseDir, registryTable, DynamoDbMigration::lastStatus);
                 SqlStore sqlStore = new SqlStore(sql, e.table(), e.mapping(), V)) {
                forward.start();
                FailbackWalk.waitFor("the forward migration in sync", forward::inSync, forward);
                Map<String, AttributeValue> counter = e.item(sqlStore, COUNTER, "billing-api", "counter", 0);
                counterKey = sqlStore.keyOf(counter);
                sqlStore.put(counter);
                FailbackWalk.waitFor("the counter row in DynamoDB", () -> client.getItem(b -> b.tableName(TABLE).consistentRead(true)
                        .key(counterKey())).hasItem(), forward);
                verify(e, db, verifyDir);
                DynamoDbStore dynamoStore = DynamoDbStore.of(client, TABLE);
                FailbackWalk.Pair pair = new FailbackWalk.Pair() {
                    @Override
                    public boolean identical(Path verifyDir) {
                        // SqlVerification keeps its last result in a directory: one the gates do not read unless asked to record.
                        return sqlIdentical(e, db, verifyDir != null ? verifyDir : dir.resolve("scratch-verify"));
                    }

                    @Override
                    public void conflictOnBothSides(ReplicatorProcess reverse) throws Exception {
                        SqlFailbackIT.conflictOnBothSides(e, client, reverse, reverseDir);
                    }
                };
                OracleApplication app = new OracleApplication(sqlStore, dynamoStore, registry, APP, dir.resolve("journal"), new Workload(e, sqlStore));
                FailbackWalk walk = new FailbackWalk(APP, switcher, forward, reverse, app, pair, verifyDir);
                walk.runWhileWriting(pool);
                MigrationStatus f2 = forward.status().orElseThrow();
                MigrationStatus r2 = reverse.status().orElseThrow();
                System.out.printf("SqlFailbackIT (%s): %d acknowledged (%d increments), %d failed, %d slowed, %d ambiguous; forward captured %d,"
                                + " refused %d (echoes), lag p99 %d ms; reverse captured %d, refused %d, conflicts %d, lag p99 %d ms; %d s%n%s%n",
                        e.qualified(), app.acknowledged.get(), app.increments.get(), app.failed.get(), app.slowed.get(), app.ambiguous.get(),
                        f2.captured(), f2.refused(), f2.pipelineLagP99Millis(), r2.captured(), r2.refused(), r2.conflicts(),
                        r2.pipelineLagP99Millis(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), String.join("\n", walk.timeline()));
                assertTrue(f2.refused() > 0, "the reverse direction's writes came back through Debezium and were refused as echoes");
                assertEquals(0, f2.deadLettered() + r2.deadLettered(), "dead letters");
                assertEquals(0, app.failed.get(), "failed writes");
                assertEquals(1, app.slowed.get(), "one write was slow at the handover");
                assertEquals(1, app.ambiguous.get(), "one secondary write landed and then timed out");
                assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
                assertEquals(List.of(), app.differences(List.of(sqlStore, dynamoStore), V, i -> i.get("Message").s()),
                        "both sides equal what the application was told, key by key");
                for (Store side : List.of(sqlStore, dynamoStore)) {
                    assertEquals(app.increments.get(), Long.parseLong(side.get(counterKey()).orElseThrow().get("DurationMs").n()),
                            "the counter on " + side.name());
                    assertEquals(Optional.of("newer"), side.get(conflictKey).flatMap(V::visible).map(i -> i.get("Message").s()),
                            "the conflict resolved by version on " + side.name());
                }
                assertEquals(1, r2.conflicts(), "the one conflict counted by the reverse");
                verify(e, db, verifyDir);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private ReplicatorProcess replicator(String direction, Engine e, LocalDynamoDb db, Path stateDir, String registryTable,
                                         java.util.function.Function<Path, Optional<MigrationStatus>> reader) {
        return new ReplicatorProcess(direction, ReplicatorProcess.java(SqlReplicatorProcess.class, direction, e.uri(), e.table(),
                db.endpoint().toString(), TABLE, stateDir.toString(), LocalTables.shared().endpoint().toString(), registryTable, APP,
                e.mappingFile().toString()), stateDir, Path.of("target", "sql-failback-logs"), reader);
    }

    private static volatile Map<String, AttributeValue> conflictKey;

    /**
     * One key changed on both sides within the lag window, at TARGET_ONLY (the forward direction fenced): SQL gets the newer
     * version from one writer, DynamoDB an older one from another. The reverse refuses the older one, counts and lists it;
     * after the rollback the forward direction carries the newer value to DynamoDB, so the newer wins on both sides.
     */
    private static void conflictOnBothSides(Engine e, DynamoDbClient client, ReplicatorProcess reverse, Path reverseDir) throws Exception {
        io.cutover.core.version.Version older = new io.cutover.core.version.HybridClock("writer-x").next();
        Thread.sleep(5);
        io.cutover.core.version.Version newer = new io.cutover.core.version.HybridClock("writer-y").next();
        long before = reverse.status().map(MigrationStatus::conflicts).orElse(0L);
        try (SqlStore sqlSide = new SqlStore(e.sql(), e.table(), e.mapping(), V)) {
            conflictKey = sqlSide.keyOf(e.item(sqlSide, 6000, "orders", "newer", 1));
            assertTrue(sqlSide.putIfNewer(V.stamp(e.item(sqlSide, 6000, "orders", "newer", 1), newer), V));
            Map<String, AttributeValue> old = V.stamp(e.item(sqlSide, 6000, "orders", "older", 1), older);
            client.putItem(b -> b.tableName(TABLE).item(old));
        }
        FailbackWalk.waitFor("the conflict counted", () -> reverse.status().map(s -> s.conflicts() > before).orElse(false), reverse);
        List<String> lines = java.nio.file.Files.readAllLines(reverseDir.resolve(DynamoDbMigration.CONFLICTS_FILE));
        assertTrue(lines.stream().anyMatch(l -> l.contains(older.encoded()) && l.contains(newer.encoded())), lines.toString());
    }

    private static volatile Map<String, AttributeValue> counterKey;

    private static Map<String, AttributeValue> counterKey() {
        return counterKey;
    }

    /** One verify of the pair; {@code verifyDir} non-null records it for the gates. */
    private static boolean sqlIdentical(Engine e, LocalDynamoDb db, Path verifyDir) {
        try (SqlVerification v = new SqlVerification(e.sql(), e.table(), e.mapping(), DynamoDbEndpoint.local("target", db.endpoint()), 4,
                Optional.of(V))) {
            return v.run(TABLE, VerifyOptions.defaults(), null, CopyProgress.NONE, verifyDir).identical();
        }
    }

    /** A verify of the pair, again until identical (the replicators finish what is in flight) or 30 s have passed. */
    private static void verify(Engine e, LocalDynamoDb db, Path verifyDir) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (SqlVerification v = new SqlVerification(e.sql(), e.table(), e.mapping(), DynamoDbEndpoint.local("target", db.endpoint()), 4,
                Optional.of(V))) {
            SqlVerification.Result r = v.run(TABLE, VerifyOptions.defaults(), null, CopyProgress.NONE, verifyDir);
            while (!r.identical() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                r = v.run(TABLE, VerifyOptions.defaults(), null, CopyProgress.NONE, verifyDir);
            }
            if (!r.identical()) {
                StringBuilder b = new StringBuilder(r.verify().toString());
                try (SqlStore sqlSide = new SqlStore(e.sql(), e.table(), e.mapping(), V); DynamoDbClient c = LocalTables.client(db)) {
                    Store dynamoSide = DynamoDbStore.of(c, TABLE);
                    r.verify().differentItems().stream().limit(3).forEach(d -> {
                        Map<String, AttributeValue> key = io.cutover.core.item.DynamoDbJson.readItem(d.key());
                        b.append("\n").append(key).append("\n  sql:    ").append(sqlSide.get(key)).append("\n  dynamo: ").append(dynamoSide.get(key));
                    });
                }
                throw new AssertionError(b.toString());
            }
        }
    }

    /** The application's operations: puts, deletes, changes of key (put of the new key, delete of the old) and increments. */
    private static final class Workload implements OracleApplication.Workload {
        private final Engine engine;
        private final SqlStore mapping;
        private final Map<Long, String> services = new ConcurrentHashMap<>();

        Workload(Engine engine, SqlStore mapping) {
            this.engine = engine;
            this.mapping = mapping;
        }

        @Override
        public void next(Random random, long seq, Store store, OracleApplication.Told told) {
            int op = random.nextInt(20);
            long id = 5001 + random.nextInt(30);
            String service = services.getOrDefault(id, "orders");
            String value = "v" + seq;
            Map<String, AttributeValue> item = engine.item(mapping, id, service, value, 1);
            if (op < 10) {
                store.put(item);
                told.put(mapping.keyOf(item), value);
            } else if (op < 12) {
                String moved = service.equals("orders") ? "orders-v2" : "orders";
                Map<String, AttributeValue> after = engine.item(mapping, id, moved, value, 1);
                store.put(after);
                told.put(mapping.keyOf(after), value);
                services.put(id, moved);
                store.delete(mapping.keyOf(item));
                told.delete(mapping.keyOf(item));
            } else if (op < 15) {
                store.delete(mapping.keyOf(item));
                told.delete(mapping.keyOf(item));
            } else {
                store.update(counterKey(), new Store.Update("ADD #d :one", Map.of("#d", "DurationMs"),
                        Map.of(":one", AttributeValue.fromN("1"))));
                told.increment();
            }
        }
    }
}
