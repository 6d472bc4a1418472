package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
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
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle test of issue 12 for MongoDB → DynamoDB: an application writes through
 * {@code MigratingStore(source = MongoStore, target = DynamoDbStore)} (puts, deletes, increments of one counter) and logs
 * what it was told succeeded, while the forward change-stream migration and the reverse (the table's stream into the
 * collection) run in their own processes, fenced by the registry, and {@link FailbackWalk} walks the gated phases: cut over
 * to DynamoDB, fail back, cut over again, with the forward replicator killed with SIGKILL in DUAL_WRITE and the reverse at
 * TARGET_ONLY, the application's secondary slow at a handover and a secondary write that lands then times out, and one key
 * changed on both sides. At the end the collection and the table are identical (verify), both equal the log key by key,
 * the counter on each equals the acknowledged increments, the conflict is counted and the newer version holds on both,
 * and once quiet neither direction captures anything more.
 */
class MongoFailbackIT {
    private static final String APP = "orders-app";
    private static final VersionAttribute V = VersionAttribute.DEFAULT;
    private static final Map<String, AttributeValue> CONFLICT = key("conflict");

    @TempDir
    Path dir;

    @Test
    void cutsOverFailsBackAndCutsOverAgainWithBothSitesEqualToWhatTheApplicationWasTold() throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try (TestMongo mongo = new TestMongo(true); MongoClient mongoClient = mongo.client(); LocalDynamoDb dynamo = LocalDynamoDb.startChildProcess();
             DynamoDbClient ddb = LocalTables.client(dynamo); DynamoDbClient registryClient = LocalTables.client(LocalTables.shared())) {
            for (int i = 0; i < 50; i++) {
                mongoClient.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", "seed" + i).append("value", "s" + i));
            }
            Path forwardDir = dir.resolve("forward");
            Path reverseDir = dir.resolve("reverse");
            Path verifyDir = dir.resolve("verify");
            // The registry on another server with no stream, as it would be in its own account or region.
            String registryTable = LocalTables.uniqueName("registry");
            EndpointRegistry registry = new EndpointRegistry(registryClient, registryTable).ensureTable();
            registry.register(APP, StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), forwardDir.toString(),
                    verifyDir.toString(), reverseDir.toString(), "test", null);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));
            MongoStore mongoStore = new MongoStore(mongoClient.getDatabase("shop").getCollection("orders"), DocumentMapping.byId("id"));
            try (ReplicatorProcess forward = replicator("forward", mongo, dynamo, forwardDir, registryTable);
                 ReplicatorProcess reverse = replicator("reverse", mongo, dynamo, reverseDir, registryTable)) {
                forward.start();
                FailbackWalk.waitFor("the forward migration in sync", forward::inSync, forward);
                assertTrue(verify(mongo, dynamo, verifyDir).identical(), "the backfill and the change stream left both sides identical");
                DynamoDbStore dynamoStore = DynamoDbStore.of(ddb, "orders-v2");
                FailbackWalk.Pair pair = new FailbackWalk.Pair() {
                    @Override
                    public boolean identical(Path verifyDir) {
                        return verify(mongo, dynamo, verifyDir).identical();
                    }

                    @Override
                    public void conflictOnBothSides(ReplicatorProcess reverse) throws Exception {
                        Version older = new HybridClock("writer-x").next(3);
                        Thread.sleep(5);
                        Version newer = new HybridClock("writer-y").next(3);
                        long before = reverse.status().map(MigrationStatus::conflicts).orElse(0L);
                        assertTrue(mongoStore.putIfNewer(V.stamp(item("conflict", "newer"), newer), V));
                        ddb.putItem(b -> b.tableName("orders-v2").item(V.stamp(item("conflict", "older"), older)));
                        FailbackWalk.waitFor("the conflict counted", () -> reverse.status().map(s -> s.conflicts() > before).orElse(false), reverse);
                        List<String> lines = Files.readAllLines(reverseDir.resolve(DynamoDbMigration.CONFLICTS_FILE));
                        assertTrue(lines.stream().anyMatch(l -> l.contains(older.encoded()) && l.contains(newer.encoded())), lines.toString());
                    }
                };
                OracleApplication app = new OracleApplication(mongoStore, dynamoStore, registry, APP, dir.resolve("journal"),
                        MongoFailbackIT::next);
                FailbackWalk walk = new FailbackWalk(APP, switcher, forward, reverse, app, pair, verifyDir);
                walk.runWhileWriting(pool);
                MigrationStatus fwd = forward.status().orElseThrow();
                MigrationStatus rev = reverse.status().orElseThrow();
                System.out.printf("MongoFailbackIT: %d acknowledged (%d increments), %d failed, %d slowed, %d ambiguous; forward applied %d,"
                                + " refused %d (since its restart); reverse applied %d, refused %d, conflicts %d; %d s%n%s%n",
                        app.acknowledged.get(), app.increments.get(), app.failed.get(), app.slowed.get(), app.ambiguous.get(), fwd.applied(),
                        fwd.refused(), rev.applied(), rev.refused(), rev.conflicts(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
                        String.join("\n", walk.timeline()));
                assertEquals(0, app.failed.get(), "failed writes");
                assertEquals(1, app.slowed.get(), "one write was slow at the handover");
                assertEquals(1, app.ambiguous.get(), "one secondary write landed and then timed out");
                assertTrue(app.acknowledged.get() > 100, "the application kept writing: " + app.acknowledged.get());
                assertEquals(List.of(), app.differences(List.of(mongoStore, dynamoStore), V, i -> i.get("value").s()),
                        "both sites equal what the application was told, key by key");
                for (Store side : List.of(mongoStore, dynamoStore)) {
                    assertEquals(app.increments.get(), Long.parseLong(side.get(key("counter")).orElseThrow().get("n").n()),
                            "the counter in " + side.name() + " equals the acknowledged increments");
                    assertEquals(Optional.of("newer"), side.get(CONFLICT).flatMap(V::visible).map(i -> i.get("value").s()),
                            "the conflict resolved by version on " + side.name());
                }
                assertEquals(1, rev.conflicts(), "the one conflict counted by the reverse");
                assertEquals(0, fwd.deadLettered() + rev.deadLettered(), "dead letters");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The application's operations: puts and deletes of 40 keys, increments of one counter. */
    private static void next(java.util.Random random, long seq, Store store, OracleApplication.Told told) {
        int op = random.nextInt(20);
        String id = "k" + random.nextInt(40);
        String value = "v" + seq;
        if (op < 12) {
            store.put(item(id, value));
            told.put(key(id), value);
        } else if (op < 15) {
            store.delete(key(id));
            told.delete(key(id));
        } else {
            store.update(key("counter"), new Store.Update("ADD #n :one", Map.of("#n", "n"), Map.of(":one", AttributeValue.fromN("1"))));
            told.increment();
        }
    }

    private ReplicatorProcess replicator(String direction, TestMongo mongo, LocalDynamoDb dynamo, Path stateDir, String registryTable) {
        return new ReplicatorProcess(direction, ReplicatorProcess.java(MongoReplicatorProcess.class, direction, mongo.uri("shop"), "orders",
                dynamo.endpoint().toString(), "orders-v2", stateDir.toString(), LocalTables.shared().endpoint().toString(), registryTable, APP),
                stateDir, dir.resolve("logs"), DynamoDbMigration::lastStatus);
    }

    private VerifyResult verify(TestMongo mongo, LocalDynamoDb dynamo, Path verifyDir) {
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), "orders", DocumentMapping.byId("id"),
                DynamoDbEndpoint.local("target", dynamo.endpoint()), 4)) {
            return v.run("orders-v2", VerifyOptions.defaults().withSegments(2).withParallelism(2), CopyProgress.NONE,
                    dir.resolve("report-" + System.nanoTime() + ".jsonl"), Optional.ofNullable(verifyDir));
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        return Map.of("id", AttributeValue.fromS(id), "value", AttributeValue.fromS(value));
    }
}
