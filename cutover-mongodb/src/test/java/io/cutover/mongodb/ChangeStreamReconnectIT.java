package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.faults.TcpFaultProxy;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The change stream through a {@link TcpFaultProxy} that resets every connection for a while, so that
 * the driver's own single resume fails too: the capture reopens the stream from the kept position and
 * misses nothing (it used to stop the migration with "Exception sending message").
 */
class ChangeStreamReconnectIT {
    private static void awaitChanges(InMemoryChangeLog log, MongoChangeStreamCapture capture, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (log.read(0, 10_000).size() < n && System.currentTimeMillis() < deadline) {
            assertNull(capture.failure(), () -> "the capture stopped: " + capture.failure().getMessage());
            Thread.sleep(20);
        }
    }

    @Test
    void aStreamWhoseConnectionsAreResetReopensFromTheKeptPositionAndMissesNothing() throws Exception {
        try (TestMongo mongo = new TestMongo(true); MongoClient client = mongo.client()) {
            MongoCollection<Document> c = client.getDatabase("shop").getCollection("reconnect");
            c.insertOne(new Document("_id", -1));
            int port = Integer.parseInt(mongo.uri("shop").replaceAll(".*:(\\d+)/.*", "$1"));
            try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", port, 1);
                 MongoCollectionSource source = new MongoCollectionSource(MongoSourceUri.parse("mongodb://127.0.0.1:" + proxy.port()
                         + "/shop?socketTimeoutMS=2000"), "reconnect", DocumentMapping.byId("dataId"));
                 FileDeadLetterSink dead = new FileDeadLetterSink(Files.createTempDirectory("reconnect").resolve("dead.jsonl"));
                 InMemoryChangeLog log = new InMemoryChangeLog();
                 MongoChangeStreamCapture capture = new MongoChangeStreamCapture(source, log, dead, "t")) {
                capture.open();
                capture.start();
                for (int i = 0; i < 10; i++) {
                    c.insertOne(new Document("_id", i));
                }
                awaitChanges(log, capture, 10);
                proxy.resetRate(1.0); // every connection, the driver's resume attempt included, is reset at its first reply
                proxy.resetAll();
                for (int i = 10; i < 20; i++) {
                    c.insertOne(new Document("_id", i));
                }
                // longer than the driver's server selection (10 s): its own resume gives up, and the capture's reopening takes over
                Thread.sleep(11_000);
                proxy.resetRate(0);
                for (int i = 20; i < 30; i++) {
                    c.insertOne(new Document("_id", i));
                }
                awaitChanges(log, capture, 30);
                assertNull(capture.failure());
                Set<String> keys = new HashSet<>();
                for (ChangeRecord r : log.read(0, 10_000)) {
                    keys.add(r.key().get("dataId").n());
                }
                for (int i = 0; i < 30; i++) {
                    assertTrue(keys.contains(Integer.toString(i)), "change of _id " + i + " missing: " + keys);
                }
                assertTrue(capture.reopens() >= 1, "the driver got over it alone: " + proxy.summary());
                assertTrue(proxy.resets() >= 1, proxy.summary());
                assertEquals(0, dead.count());
            }
        }
    }
}
