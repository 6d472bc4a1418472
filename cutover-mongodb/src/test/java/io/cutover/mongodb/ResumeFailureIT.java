package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** A saved resume token the server refuses is about the saved position: the error never sends the user to mirror mode. */
class ResumeFailureIT {
    private static CutoverException resumeFrom(String data) throws Exception {
        try (TestMongo mongo = new TestMongo(true);
             MongoCollectionSource source = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "c", DocumentMapping.byId("dataId"));
             InMemoryChangeLog log = new InMemoryChangeLog()) {
            try (var client = mongo.client()) {
                client.getDatabase("shop").getCollection("c").insertOne(new org.bson.Document("_id", 1));
            }
            // a token this server never issued, as after the oplog rolled past the saved one
            log.append(List.of(), new PartitionPosition(MongoChangeStreamCapture.PARTITION,
                    new ChangeStreamPosition.Token(new BsonDocument("_data", new BsonString(data))).encode(), false));
            try (MongoChangeStreamCapture capture = new MongoChangeStreamCapture(source, log, null, "t")) {
                CutoverException e = assertThrows(CutoverException.class, () -> {
                    capture.open();
                    capture.start();
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (capture.failure() == null && System.currentTimeMillis() < deadline) {
                        Thread.sleep(20);
                    }
                    if (capture.failure() != null) {
                        throw capture.failure();
                    }
                });
                System.out.println(e.code() + ": " + e.getMessage());
                assertFalse(e.getMessage().contains("mirror"), e.getMessage());
                return e;
            }
        }
    }

    @Test
    void aTokenTheServerCannotReadIsRefusedWithRestartAdviceNotMirrorMode() throws Exception {
        CutoverException e = resumeFrom("8263A0000000012B0229296E04");
        assertEquals(ErrorCode.REJECTED, e.code());
        assertTrue(e.getMessage().contains("--restart"), e.getMessage());
    }
}
