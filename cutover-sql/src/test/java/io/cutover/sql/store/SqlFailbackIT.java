package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle walk of a PostgreSQL table into DynamoDB and back (issue 12, docs/decisions/0130): the logging example's
 * table and mapping, an application writing through {@code MigratingStore(source = SqlStore, target = DynamoDbStore)}
 * (puts, deletes, changes of key, increments) and logging what it was told succeeded; the forward migration ({@code
 * migrate --source postgresql://...} with the version rule) and the reverse (the DynamoDB table's stream applied to the
 * rows through the inverse mapping) each in its own process, fenced by the registry, each killed with SIGKILL once and
 * restarted; SOURCE_ONLY → DUAL_WRITE → DUAL_WRITE_TARGET_READS → TARGET_ONLY → rollback → failback → DUAL_WRITE →
 * SOURCE_ONLY through the gated {@link PhaseSwitcher}; a key changed on both sides is counted as a conflict and the newer
 * version wins. At the end both sides equal the log key by key, the counter the
 * acknowledged increments, and once quiet neither direction captures anything more (no loop).
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
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Process> processes = new ArrayList<>();
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
            Replicator forward = new Replicator("forward", e, db.endpoint().toString(), forwardDir, registryTable, processes);
            Replicator reverse = new Replicator("reverse", e, db.endpoint().toString(), reverseDir, registryTable, processes);

            forward.start();
            waitFor("the forward migration in sync", () -> forward.inSync());
            try (SqlStore seed = new SqlStore(sql, e.table(), e.mapping(), V)) {
                Map<String, AttributeValue> counter = e.item(seed, COUNTER, "billing-api", "counter", 0);
                counterKey = seed.keyOf(counter);
                seed.put(counter);
            }
            waitFor("the counter row in DynamoDB", () -> client.getItem(b -> b.tableName(TABLE).consistentRead(true)
                    .key(counterKey())).hasItem());
            verify(e, db, verifyDir);

            Application app = new Application(e, client, registry, dir.resolve("journal"));
            Future<?> writing = pool.submit(app);
            try {
                Thread.sleep(1000);
                switchTo(switcher, Phase.DUAL_WRITE);
                reverse.start();
                waitFor("the reverse capture in sync", () -> reverse.inSync());
                forward.kill();
                forward.start();
                waitFor("the forward migration in sync after SIGKILL", () -> forward.inSync() && forward.freshStatus());
                switchTo(switcher, Phase.DUAL_WRITE_TARGET_READS);
                Thread.sleep(1000);
                switchTo(switcher, Phase.TARGET_ONLY);
                waitFor("the forward direction fenced", () -> forward.status().map(MigrationStatus::fenced).orElse(false));
                Thread.sleep(1000);
                reverse.kill();
                Thread.sleep(1000); // the application keeps writing to DynamoDB only while the reverse is down
                reverse.start();
                waitFor("the reverse in sync after SIGKILL", () -> reverse.inSync() && reverse.freshStatus());
                conflictOnBothSides(e, client, reverse, reverseDir);
                assertEquals(Phase.DUAL_WRITE_TARGET_READS, switcher.rollback(APP, Phase.TARGET_ONLY, "on the way back", "test").to());
                app.paused.set(true);
                Thread.sleep(300);
                waitFor("the reverse drained", () -> reverse.status().map(s -> s.backlog() == 0).orElse(false));
                verify(e, db, verifyDir);
                app.paused.set(false);
                SwitchResult back = failBack(switcher);
                assertEquals(Phase.DUAL_WRITE, back.to());
                Thread.sleep(1500);
                assertEquals(Phase.SOURCE_ONLY, switcher.rollback(APP, Phase.DUAL_WRITE, "back home", "test").to());
                Thread.sleep(1500);
            } finally {
                app.stop.set(true);
                writing.get(60, TimeUnit.SECONDS);
                app.close();
            }
            assertEquals(0, app.failed.get(), "failed writes");
            assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
            // At SOURCE_ONLY the reverse is fenced; the forward carries the last writes to DynamoDB.
            waitFor("the forward drained", () -> forward.status().map(s -> !s.fenced() && s.backlog() == 0).orElse(false));
            Thread.sleep(2000);
            MigrationStatus f1 = forward.status().orElseThrow();
            MigrationStatus r1 = reverse.status().orElseThrow();
            Thread.sleep(3000);
            MigrationStatus f2 = forward.status().orElseThrow();
            MigrationStatus r2 = reverse.status().orElseThrow();
            System.out.printf("SqlFailbackIT (" + e.qualified() + "): %d acknowledged (%d increments, %d key changes); forward captured %d, refused %d (echoes),"
                            + " lag p99 %d ms; reverse captured %d, refused %d, conflicts %d, lag p99 %d ms%n", app.acknowledged.get(),
                    app.increments.get(), app.keyChanges.get(), f2.captured(), f2.refused(), f2.pipelineLagP99Millis(), r2.captured(),
                    r2.refused(), r2.conflicts(), r2.pipelineLagP99Millis());
            assertEquals(f1.captured(), f2.captured(), "quiet: the forward captures nothing more (no loop)");
            assertEquals(r1.captured(), r2.captured(), "quiet: the reverse captures nothing more (no loop)");
            assertTrue(f2.refused() > 0, "the reverse direction's writes came back through Debezium and were refused as echoes");
            assertEquals(0, f2.deadLettered() + r2.deadLettered(), "dead letters");

            List<String> wrong = new ArrayList<>();
            try (SqlStore sqlSide = new SqlStore(sql, e.table(), e.mapping(), V)) {
                Store dynamoSide = DynamoDbStore.of(client, TABLE);
                for (Map.Entry<Map<String, AttributeValue>, Optional<String>> told : app.expected.entrySet()) {
                    for (Store side : List.of(sqlSide, dynamoSide)) {
                        Optional<String> actual = side.get(told.getKey()).flatMap(V::visible).map(i -> i.get("Message").s());
                        if (!actual.equals(told.getValue())) {
                            wrong.add(told.getKey() + ": told " + told.getValue() + ", " + side.name() + " has " + actual);
                        }
                    }
                }
                assertEquals(List.of(), wrong, "both sides equal what the application was told, key by key");
                for (Store side : List.of(sqlSide, dynamoSide)) {
                    Map<String, AttributeValue> counter = side.get(counterKey()).orElseThrow();
                    assertEquals(app.increments.get(), Long.parseLong(counter.get("DurationMs").n()), "the counter on " + side.name());
                }
            }
            for (Store side : List.of(new SqlStore(e.sql(), e.table(), e.mapping(), V), DynamoDbStore.of(client, TABLE))) {
                assertEquals(Optional.of("newer"), side.get(conflictKey).flatMap(V::visible).map(i -> i.get("Message").s()),
                        "the conflict resolved by version on " + side.name());
            }
            verify(e, db, verifyDir);
        } finally {
            processes.forEach(Process::destroyForcibly);
            pool.shutdownNow();
        }
    }

    private static volatile Map<String, AttributeValue> conflictKey;

    /**
     * One key changed on both sides within the lag window, at TARGET_ONLY (the forward direction fenced): SQL gets the newer
     * version from one writer, DynamoDB an older one from another. The reverse refuses the older one, counts and lists it;
     * after the rollback the forward direction carries the newer value to DynamoDB, so the newer wins on both sides.
     */
    private static void conflictOnBothSides(Engine e, DynamoDbClient client, Replicator reverse, Path reverseDir) throws Exception {
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
        waitFor("the conflict counted", () -> reverse.status().map(s -> s.conflicts() > before).orElse(false));
        List<String> lines = java.nio.file.Files.readAllLines(reverseDir.resolve(DynamoDbMigration.CONFLICTS_FILE));
        assertTrue(lines.stream().anyMatch(l -> l.contains(older.encoded()) && l.contains(newer.encoded())), lines.toString());
    }

    private static volatile Map<String, AttributeValue> counterKey;

    private static Map<String, AttributeValue> counterKey() {
        return counterKey;
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

    private static SwitchResult failBack(PhaseSwitcher switcher) throws InterruptedException {
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
                assertEquals(to, switcher.switchPhase(APP, Optional.of(to), false, "sql failback IT", "test").to());
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

    /** One direction as a child process ({@link SqlReplicatorProcess}), killed with SIGKILL and started again. */
    private static final class Replicator {
        private final String direction;
        private final Path stateDir;
        private final List<String> command;
        private final List<Process> processes;
        private Process process;
        private long startedMillis;

        Replicator(String direction, Engine e, String dynamo, Path stateDir, String registryTable, List<Process> processes) {
            this.direction = direction;
            this.stateDir = stateDir;
            this.processes = processes;
            this.command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                    System.getProperty("java.class.path"), SqlReplicatorProcess.class.getName(), direction, e.uri(), e.table(),
                    dynamo, TABLE, stateDir.toString(), LocalTables.shared().endpoint().toString(), registryTable, APP, e.mappingFile().toString());
        }

        void start() throws Exception {
            startedMillis = System.currentTimeMillis();
            Path logs = Path.of("target", "sql-failback-logs");
            java.nio.file.Files.createDirectories(logs);
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
                        + Path.of("target", "sql-failback-logs").toAbsolutePath());
            }
            Supplier<Optional<MigrationStatus>> read = direction.equals("forward") ? () -> SqlMigration.lastStatus(stateDir)
                    : () -> DynamoDbMigration.lastStatus(stateDir);
            try {
                return read.get();
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

    /** The application: puts, deletes, changes of key and increments through the store, and what it was told succeeded. */
    private static final class Application implements Runnable, AutoCloseable {
        final Map<Map<String, AttributeValue>, Optional<String>> expected = new ConcurrentHashMap<>();
        final AtomicLong increments = new AtomicLong();
        final AtomicLong keyChanges = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean paused = new AtomicBoolean();
        private final RegistryWatcher watcher;
        private final SqlStore sqlStore;
        private final Engine engine;
        private final MigratingStore store;
        private final Map<Long, String> services = new ConcurrentHashMap<>();

        Application(Engine e, DynamoDbClient client, EndpointRegistry registry, Path journal) {
            watcher = new RegistryWatcher(registry, APP, Duration.ofMillis(100)).start();
            engine = e;
            sqlStore = new SqlStore(e.sql(), e.table(), e.mapping(), V);
            store = MigratingStore.builder().watcher(watcher).source(sqlStore).target(DynamoDbStore.of(client, TABLE)).journalDir(journal)
                    .instance("app-1").drainInterval(Duration.ofMillis(200)).build();
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
                long id = 5001 + random.nextInt(30);
                String service = services.getOrDefault(id, "orders");
                String value = "v" + seq;
                Map<String, AttributeValue> item = engine.item(sqlStore, id, service, value, 1);
                try {
                    if (op < 10) {
                        store.put(item);
                        expected.put(sqlStore.keyOf(item), Optional.of(value));
                    } else if (op < 12) {
                        String moved = service.equals("orders") ? "orders-v2" : "orders";
                        Map<String, AttributeValue> after = engine.item(sqlStore, id, moved, value, 1);
                        store.put(after);
                        expected.put(sqlStore.keyOf(after), Optional.of(value));
                        services.put(id, moved);
                        store.delete(sqlStore.keyOf(item));
                        expected.put(sqlStore.keyOf(item), Optional.empty());
                        keyChanges.incrementAndGet();
                    } else if (op < 15) {
                        store.delete(sqlStore.keyOf(item));
                        expected.put(sqlStore.keyOf(item), Optional.empty());
                    } else {
                        store.update(counterKey(), new Store.Update("ADD #d :one", Map.of("#d", "DurationMs"),
                                Map.of(":one", AttributeValue.fromN("1"))));
                        increments.incrementAndGet();
                    }
                    acknowledged.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    org.slf4j.LoggerFactory.getLogger(SqlFailbackIT.class).warn("write failed", e);
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
            sqlStore.close();
        }
    }
}
