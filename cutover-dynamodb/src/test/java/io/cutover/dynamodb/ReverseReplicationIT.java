package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.VersionAttribute;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Both directions live at once (the forward migration and a capture-only reverse migration with the target's stream
 * enabled): every write reaches the other side, echoes are refused by the version rule so nothing loops (the changes
 * each direction applies are bounded by the writes made on its side), and a key written on both sides converges on the
 * newer version.
 */
class ReverseReplicationIT {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    @TempDir
    Path dir;

    @Test
    void bothDirectionsLiveAtOnceWithNoLoopAndTheNewerVersionWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        // Two servers, one stream each (DynamoDB Local serves a second live stream badly: see docs/decisions/0073).
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess(); LocalDynamoDb other = LocalDynamoDb.startChildProcess();
             DynamoDbClient client = LocalTables.client(db); DynamoDbClient targetClient = LocalTables.client(other)) {
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable("src")));
            DynamoDbEndpoint local = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbEndpoint localTarget = DynamoDbEndpoint.local("target", other.endpoint());
            AtomicReference<MigrationStatus> fwd = new AtomicReference<>();
            AtomicReference<MigrationStatus> rev = new AtomicReference<>();
            try (DynamoDbMigration forward = new DynamoDbMigration(CopySettings.builder(local, localTarget).table("src", "tgt")
                    .stateDir(dir.resolve("forward")).build(), "src", "tgt", false);
                 DynamoDbMigration reverse = new DynamoDbMigration(CopySettings.builder(localTarget, local).table("tgt", "src")
                         .stateDir(dir.resolve("reverse")).build(), "tgt", "src", true)) {
                Future<MigrationStatus> f = pool.submit(() -> forward.run(null, CopyProgress.NONE, fwd::set));
                waitFor(() -> fwd.get() != null && fwd.get().phase().equals("IN_SYNC"), f);
                reverse.captureOnly(true);
                Future<MigrationStatus> r = pool.submit(() -> reverse.run(null, CopyProgress.NONE, rev::set));
                waitFor(() -> rev.get() != null && rev.get().phase().equals("IN_SYNC"), r);

                HybridClock app = new HybridClock("app");
                for (int i = 0; i < 20; i++) {
                    Map<String, AttributeValue> item = V.stamp(item("s" + i, "on-source"), app.next());
                    client.putItem(b -> b.tableName("src").item(item));
                }
                for (int i = 0; i < 30; i++) {
                    Map<String, AttributeValue> item = V.stamp(item("t" + i, "on-target"), app.next());
                    targetClient.putItem(b -> b.tableName("tgt").item(item));
                }
                // A conflict: one key written on both sides within the lag window; the target's write is the newer version.
                var older = app.next();
                var newer = app.next();
                client.putItem(b -> b.tableName("src").item(V.stamp(item("both", "older-on-source"), older)));
                targetClient.putItem(b -> b.tableName("tgt").item(V.stamp(item("both", "newer-on-target"), newer)));

                waitFor(() -> TableComparison.compare(client, "src", targetClient, "tgt").identical(), f);
                // The echoes of the last writes may still be on their way through a stream (a loaded machine delays capture):
                // wait until nothing new arrives for 3 s. A loop would keep producing changes and never go quiet.
                long forwardSeen;
                long reverseSeen;
                long quietDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                do {
                    forwardSeen = fwd.get().captured();
                    reverseSeen = rev.get().captured();
                    Thread.sleep(3000);
                } while ((forwardSeen != fwd.get().captured() || reverseSeen != rev.get().captured()) && System.nanoTime() < quietDeadline);
                assertEquals(forwardSeen, fwd.get().captured(), "nothing more arrives once both sides agree: no loop");
                assertEquals(reverseSeen, rev.get().captured(), "nothing more arrives once both sides agree: no loop");
                assertTrue(TableComparison.compare(client, "src", targetClient, "tgt").identical());
                assertEquals("newer-on-target", value(client, "src", "both"), "the newer version wins on both sides");
                assertEquals("newer-on-target", value(targetClient, "tgt", "both"));
                // 21 writes were made on the source and 31 on the target. Each direction lands at most what was written on its
                // side; everything else it sees is an echo of the other direction (or the older conflicting write), refused.
                long forwardLanded = forwardSeen - forward.olderRefused();
                long reverseLanded = reverseSeen - reverse.olderRefused();
                assertTrue(forwardLanded >= 20 && forwardLanded <= 21, "forward landed " + forwardLanded + " of " + fwd.get());
                assertEquals(31, reverseLanded, "reverse landed every target write once: " + rev.get());
                assertTrue(forwardSeen <= 21 + 31 && reverseSeen <= 31 + 21, "each side sees its writes and at most one echo of each"
                        + " of the other's: " + forwardSeen + ", " + reverseSeen);
                assertTrue(forward.olderRefused() >= 31, "the echoes of the reverse direction were refused: " + forward.olderRefused());
                forward.requestStop();
                reverse.requestStop();
                f.get(60, TimeUnit.SECONDS);
                r.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        Map<String, AttributeValue> item = new HashMap<>(Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x")));
        item.put("value", AttributeValue.fromS(value));
        return item;
    }

    private static String value(DynamoDbClient client, String table, String id) {
        return client.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("pk", AttributeValue.fromS(id), "sk",
                AttributeValue.fromS("x")))).item().get("value").s();
    }

    private static void waitFor(BooleanSupplier condition, Future<?> running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (running.isDone()) {
                running.get();
                throw new AssertionError("the migration ended");
            }
            assertTrue(System.nanoTime() < deadline, "not reached within 90 s");
            Thread.sleep(200);
        }
    }
}
