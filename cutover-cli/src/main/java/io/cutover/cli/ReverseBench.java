package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import io.cutover.mongodb.DocumentMapping;
import io.cutover.mongodb.MongoReverseReplication;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.store.SqlChangeWriter;
import io.cutover.sql.store.SqlStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@code cutover bench reverse --into postgresql|mariadb|mongodb}: the reverse direction of a cut-over (a DynamoDB table's
 * stream applied back into the old store under the version rule, decisions 0130 and 0140) against a raw writer into that
 * store, in one run, on a DynamoDB Local child process:
 * <ol>
 *   <li>raw: the same versioned items written straight into the store, {@code --writers} threads of 500-row JDBC batch
 *       upserts (PostgreSQL {@code ON CONFLICT}, MariaDB {@code ON DUPLICATE KEY}) or MongoDB {@code bulkWrite} upserts;</li>
 *   <li>reverse: the capture-only migration with the fence closed while the items are loaded into DynamoDB and captured,
 *       then opened: changes applied per second until every one is acknowledged by the store (apply only, capture excluded);</li>
 *   <li>lag: a writer at {@code --write-rate} puts into DynamoDB; for each change, DynamoDB's acknowledgement to the
 *       store's, p50/p99/max over {@code --steady-seconds}.</li>
 * </ol>
 * PostgreSQL is embedded (zonky) and MongoDB the in-process wire server; MariaDB needs a server: {@code --into-uri}.
 */
final class ReverseBench {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;
    private static final String TABLE = "reverse";
    private static final int BATCH = 500;

    /** The figures, printed as text or JSON. */
    record Result(String into, long changes, int writers, double rawPerSecond, double reversePerSecond, double toRaw,
                  double writerChangesPerSecond, long lagP50Millis, long lagP99Millis, long lagMaxMillis, long lagMeasured, String load) {
    }

    /** The old store of the cut-over: what the raw writer and the reverse write into. */
    private interface OldStore extends AutoCloseable {
        String describe();

        /** The key attribute of the DynamoDB table (and of the items). */
        String keyAttribute();

        /** An item as the application writes it through the phased client: key, payload, version. */
        Map<String, AttributeValue> item(long id, String payload, HybridClock clock);

        /** The baseline: the items written straight into the store. */
        void rawWrite(List<Map<String, AttributeValue>> items, int writers) throws Exception;

        /** Empties the store between the baseline and the reverse. */
        void clear() throws Exception;

        /** Points the capture-only migration's apply at the store; returns what to close after it. */
        AutoCloseable reverseInto(DynamoDbMigration migration, int writers);

        @Override
        void close();
    }

    private ReverseBench() {
    }

    static int run(String into, String intoUri, int items, int writers, int writeRate, int steadySeconds, Printer p) throws Exception {
        if (into == null || !List.of("postgresql", "mariadb", "mongodb").contains(into)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "bench reverse needs --into postgresql, mariadb or mongodb, was '" + into + "'");
        }
        if (into.equals("mariadb") && intoUri == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "bench reverse --into mariadb needs --into-uri mariadb://user:password@host:3306/db"
                    + " (a MariaDB server to write into: this build embeds PostgreSQL and a MongoDB wire server, not MariaDB)");
        }
        if (items < 1000 || writeRate < 1 || steadySeconds < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "bench reverse needs --items of at least 1000, --write-rate and --steady-seconds of at least 1");
        }
        p.note(String.format(Locale.ROOT, "Benchmark reverse into %s: %,d changes, %d writers; starting DynamoDB Local (child process)...",
                into, items, writers));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-reverse");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx2g");
             OldStore store = open(into, intoUri, scratch.path())) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(endpoint, writers + 8);
            LocalTables.create(client, SampleItems.withStream(CreateTableRequest.builder().tableName(TABLE)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName(store.keyAttribute()).attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName(store.keyAttribute()).keyType(KeyType.HASH).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST).build()));
            HybridClock clock = new HybridClock("bench");
            List<Map<String, AttributeValue>> batch = new ArrayList<>(items);
            for (long i = 0; i < items; i++) {
                batch.add(store.item(i, "b" + i, clock));
            }

            // (a) raw: a warm-up tenth, then every item.
            store.rawWrite(batch.subList(0, items / 10), writers);
            store.clear();
            long r0 = System.nanoTime();
            store.rawWrite(batch, writers);
            double raw = items / ((System.nanoTime() - r0) / 1e9);
            p.note(String.format(Locale.ROOT, "raw: %,d items written into %s, %d threads: %,.0f items/s", items, store.describe(), writers, raw));
            store.clear();

            // (b) reverse apply rate, (c) lag: one capture-only migration.
            AtomicBoolean fenceOpen = new AtomicBoolean(true);
            AtomicLong bulkApplied = new AtomicLong();
            Map<String, Long> ackedAt = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Long> lags = new ConcurrentLinkedQueue<>();
            AtomicReference<MigrationStatus> latest = new AtomicReference<>();
            CopySettings settings = CopySettings.builder(endpoint, endpoint).table(TABLE, TABLE).stateDir(scratch.path().resolve("reverse"))
                    .writeConcurrency(writers).build();
            double reverse;
            double writerRate;
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (DynamoDbMigration migration = new DynamoDbMigration(settings, TABLE, TABLE, false);
                 AutoCloseable sink = store.reverseInto(migration, writers)) {
                migration.captureOnly(true);
                migration.versionRule(java.util.Optional.of(V));
                migration.applyWhen(fenceOpen::get);
                migration.onApplied((c, at) -> {
                    AttributeValue payload = c.image() == null ? null : c.image().get("payload");
                    if (payload == null) {
                        return;
                    }
                    if (payload.s().startsWith("b")) {
                        bulkApplied.incrementAndGet();
                    } else {
                        Long acked = ackedAt.remove(payload.s());
                        if (acked != null) {
                            lags.add(at - acked);
                        }
                    }
                });
                Future<MigrationStatus> running = pool.submit(() -> migration.run(null, CopyProgress.NONE, latest::set));
                waitFor("the reverse in sync", running, () -> latest.get() != null && latest.get().phase().equals("IN_SYNC"));
                fenceOpen.set(false);
                Thread.sleep(1500); // the round in flight ends
                long captured0 = latest.get().captured();
                loadDynamoDb(client, batch, writers);
                waitFor("every change captured", running, () -> latest.get().captured() >= captured0 + items);
                long a0 = System.nanoTime();
                fenceOpen.set(true);
                waitFor("every change applied", running, () -> bulkApplied.get() >= items);
                reverse = items / ((System.nanoTime() - a0) / 1e9);
                p.note(String.format(Locale.ROOT, "reverse: %,d changes applied into %s by the capture-only migration (%d writers, version rule):"
                        + " %,.0f changes/s (%.0f%% of raw)", items, store.describe(), writers, reverse, 100 * reverse / raw));

                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicBoolean measuring = new AtomicBoolean(false);
                AtomicLong written = new AtomicLong();
                Future<?> writer = pool.submit(() -> {
                    long period = 1_000_000_000L / writeRate;
                    long next = System.nanoTime();
                    for (long seq = 0; writing.get(); seq++) {
                        Map<String, AttributeValue> item = store.item(items + seq, "w" + seq, clock);
                        client.putItem(b -> b.tableName(TABLE).item(item));
                        if (measuring.get()) {
                            ackedAt.put("w" + seq, System.currentTimeMillis());
                            written.incrementAndGet();
                        }
                        next += period;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                    return null;
                });
                Thread.sleep(2000);
                measuring.set(true);
                long s0 = System.nanoTime();
                Thread.sleep(steadySeconds * 1000L);
                measuring.set(false);
                writerRate = written.get() / ((System.nanoTime() - s0) / 1e9);
                long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!ackedAt.isEmpty() && System.nanoTime() < wait) {
                    Thread.sleep(50); // the last measured changes land
                }
                writing.set(false);
                writer.get();
                migration.requestStop();
                running.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            List<Long> sorted = new ArrayList<>(lags);
            sorted.sort(null);
            long p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
            long p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
            long max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
            p.note(String.format(Locale.ROOT, "lag: writer %,.0f changes/s into DynamoDB for %d s; DynamoDB ack -> %s ack p50 %d ms, p99 %d ms,"
                    + " max %d ms over %,d changes", writerRate, steadySeconds, store.describe(), p50, p99, max, sorted.size()));
            Result r = new Result(into, items, writers, raw, reverse, reverse / raw, writerRate, p50, p99, max, sorted.size(), load());
            p.result(r, x -> String.format(Locale.ROOT, "Result: reverse into %s %,.0f changes/s = %.0f%% of the raw writer (%,.0f items/s);"
                    + " reverse lag p50 %d ms, p99 %d ms at %,.0f changes/s; load average %s (shared machine: figures are noisy)%n",
                    x.into(), x.reversePerSecond(), 100 * x.toRaw(), x.rawPerSecond(), x.lagP50Millis(), x.lagP99Millis(),
                    x.writerChangesPerSecond(), x.load()));
            return 0;
        }
    }

    /** The 1, 5 and 15 minute load averages, as uptime prints them (the machine may be shared). */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static void loadDynamoDb(DynamoDbClient client, List<Map<String, AttributeValue>> items, int writers) {
        LocalTables.writeInParallel(client, TABLE, items, writers);
    }

    private static void waitFor(String what, Future<?> running, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (running.isDone()) {
                running.get();
                throw new CutoverException(ErrorCode.INTERNAL, "the reverse migration ended before " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new CutoverException(ErrorCode.INTERNAL, what + ": not within 10 minutes");
            }
            Thread.sleep(20);
        }
    }

    private static OldStore open(String into, String intoUri, Path scratch) throws Exception {
        if (into.equals("mongodb")) {
            return new Mongo(intoUri);
        }
        return new Sql(into, intoUri);
    }

    /** A SQL table {@code bench_reverse(id, payload, cutover_v, cutover_v_deleted)}, the item's key {@code pk = "${id}"}. */
    private static final class Sql implements OldStore {
        private static final String MAPPING = "mapping:\n  partitionKey: { attribute: pk, template: \"${id}\", type: S }\n";
        private final EmbeddedPostgresServer pg;
        private final SqlEndpoint endpoint;

        Sql(String into, String uri) throws Exception {
            if (uri == null) {
                pg = EmbeddedPostgresServer.start();
                endpoint = SqlEndpoint.parse(pg.createDatabase("bench"));
            } else {
                pg = null;
                endpoint = SqlEndpoint.parse(uri);
            }
            if (endpoint.flavor().mysqlFamily() != into.equals("mariadb")) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--into " + into + " and --into-uri " + endpoint.describe() + " disagree");
            }
            String version = endpoint.flavor().mysqlFamily() ? "VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin" : "TEXT COLLATE \"C\"";
            try (Connection c = endpoint.connect(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS bench_reverse");
                s.execute("CREATE TABLE bench_reverse (id BIGINT PRIMARY KEY, payload VARCHAR(200), cutover_v " + version
                        + ", cutover_v_deleted BOOLEAN)");
            }
        }

        @Override
        public String describe() {
            return (endpoint.flavor().mysqlFamily() ? "MariaDB" : "PostgreSQL") + " table bench_reverse";
        }

        @Override
        public String keyAttribute() {
            return "pk";
        }

        @Override
        public Map<String, AttributeValue> item(long id, String payload, HybridClock clock) {
            return V.stamp(Map.of("pk", AttributeValue.fromS(Long.toString(id)), "id", AttributeValue.fromN(Long.toString(id)),
                    "payload", AttributeValue.fromS(payload)), clock.next());
        }

        @Override
        public void rawWrite(List<Map<String, AttributeValue>> items, int writers) throws Exception {
            String upsert = endpoint.flavor().mysqlFamily()
                    ? "INSERT INTO bench_reverse (id, payload, cutover_v, cutover_v_deleted) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                            + " payload = VALUES(payload), cutover_v = VALUES(cutover_v), cutover_v_deleted = VALUES(cutover_v_deleted)"
                    : "INSERT INTO bench_reverse (id, payload, cutover_v, cutover_v_deleted) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                            + " payload = EXCLUDED.payload, cutover_v = EXCLUDED.cutover_v, cutover_v_deleted = EXCLUDED.cutover_v_deleted";
            inParallel(items, writers, slice -> {
                try (Connection c = endpoint.connect(); PreparedStatement ps = c.prepareStatement(upsert)) {
                    c.setAutoCommit(false);
                    for (Map<String, AttributeValue> item : slice) {
                        ps.setLong(1, Long.parseLong(item.get("id").n()));
                        ps.setString(2, item.get("payload").s());
                        ps.setString(3, item.get(V.name()).s());
                        ps.setBoolean(4, false);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                }
            });
        }

        @Override
        public void clear() throws Exception {
            try (Connection c = endpoint.connect(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM bench_reverse");
            }
        }

        @Override
        public AutoCloseable reverseInto(DynamoDbMigration migration, int writers) {
            SqlStore store = new SqlStore(endpoint, "bench_reverse", Mapping.fromYaml(MAPPING, "bench-reverse-mapping.yaml"), V);
            migration.applyInto(dead -> new SqlChangeWriter(store, writers, dead));
            return store;
        }

        @Override
        public void close() {
            if (pg != null) {
                try {
                    pg.close();
                } catch (Exception e) {
                    throw new CutoverException(ErrorCode.INTERNAL, "could not stop the embedded PostgreSQL: " + e.getMessage());
                }
            }
        }
    }

    /** A MongoDB collection {@code bench.reverse}, the item's key {@code id} the document's {@code _id}. */
    private static final class Mongo implements OldStore {
        private final EmbeddedMongo embedded;
        private final String uri;
        private final com.mongodb.client.MongoClient client;

        Mongo(String intoUri) {
            embedded = intoUri == null ? new EmbeddedMongo(false) : null;
            uri = intoUri != null ? intoUri : embedded.uri("bench");
            client = com.mongodb.client.MongoClients.create(uri);
        }

        private com.mongodb.client.MongoCollection<org.bson.Document> collection() {
            return client.getDatabase(MongoSourceUri.parse(uri).database()).getCollection("reverse");
        }

        @Override
        public String describe() {
            return "MongoDB collection reverse";
        }

        @Override
        public String keyAttribute() {
            return "id";
        }

        @Override
        public Map<String, AttributeValue> item(long id, String payload, HybridClock clock) {
            return V.stamp(Map.of("id", AttributeValue.fromS(Long.toString(id)), "payload", AttributeValue.fromS(payload)), clock.next());
        }

        @Override
        public void rawWrite(List<Map<String, AttributeValue>> items, int writers) throws Exception {
            inParallel(items, writers, slice -> {
                List<com.mongodb.client.model.ReplaceOneModel<org.bson.Document>> writes = new ArrayList<>(slice.size());
                for (Map<String, AttributeValue> item : slice) {
                    org.bson.Document d = new org.bson.Document("_id", item.get("id").s()).append("payload", item.get("payload").s())
                            .append(V.name(), item.get(V.name()).s());
                    writes.add(new com.mongodb.client.model.ReplaceOneModel<>(com.mongodb.client.model.Filters.eq("_id", d.get("_id")), d,
                            new com.mongodb.client.model.ReplaceOptions().upsert(true)));
                }
                collection().bulkWrite(writes, new com.mongodb.client.model.BulkWriteOptions().ordered(false));
            });
        }

        @Override
        public void clear() {
            collection().deleteMany(new org.bson.Document());
        }

        @Override
        public AutoCloseable reverseInto(DynamoDbMigration migration, int writers) {
            return MongoReverseReplication.applyInto(migration, MongoSourceUri.parse(uri), "reverse", DocumentMapping.byId("id"), V, writers);
        }

        @Override
        public void close() {
            client.close();
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    @FunctionalInterface
    private interface SliceWriter {
        void write(List<Map<String, AttributeValue>> slice) throws Exception;
    }

    /** Slices of {@value #BATCH} items, {@code writers} at a time. */
    private static void inParallel(List<Map<String, AttributeValue>> items, int writers, SliceWriter writer) throws Exception {
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                futures.add(pool.submit(() -> {
                    long start;
                    while ((start = next.getAndAdd(BATCH)) < items.size()) {
                        writer.write(items.subList((int) start, (int) Math.min(items.size(), start + BATCH)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
