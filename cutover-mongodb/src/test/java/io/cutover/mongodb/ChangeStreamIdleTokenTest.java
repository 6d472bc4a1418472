package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoCommandException;
import com.mongodb.ServerAddress;
import com.mongodb.ServerCursor;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import io.cutover.core.changelog.InMemoryChangeLog;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/**
 * The post-batch resume token of an idle change stream is saved, so a quiet collection in a busy
 * replica set keeps a position the oplog still holds. mongo-java-server sends no post-batch token, so
 * this runs against a cursor that behaves as a replica set member's does: no events, a token that moves.
 */
class ChangeStreamIdleTokenTest {
    /** A cursor with no events whose post-batch token is whatever the test set last. */
    static final class IdleCursor implements MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> {
        volatile BsonDocument postBatchToken;

        @Override
        public BsonDocument getResumeToken() {
            return postBatchToken;
        }

        @Override
        public ChangeStreamDocument<BsonDocument> tryNext() {
            return null;
        }

        @Override
        public void close() {
        }

        @Override
        public boolean hasNext() {
            return false;
        }

        @Override
        public ChangeStreamDocument<BsonDocument> next() {
            throw new java.util.NoSuchElementException();
        }

        @Override
        public int available() {
            return 0;
        }

        @Override
        public ServerCursor getServerCursor() {
            return null;
        }

        @Override
        public ServerAddress getServerAddress() {
            return new ServerAddress();
        }
    }

    private static BsonDocument token(String data) {
        return new BsonDocument("_data", new BsonString(data));
    }

    @Test
    void savesThePostBatchTokenWhileNoEventComes() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        IdleCursor cursor = new IdleCursor();
        AtomicLong now = new AtomicLong(10_000);
        MongoChangeStreamCapture capture = new MongoChangeStreamCapture(null, log, null, "t", cursor, now::get);

        assertFalse(capture.pollOnce());
        assertTrue(log.positions().isEmpty(), "no token yet, nothing saved");

        cursor.postBatchToken = token("8200000001");
        capture.pollOnce();
        assertEquals(new ChangeStreamPosition.Token(token("8200000001")).encode(),
                log.positions().get(MongoChangeStreamCapture.PARTITION).lastPosition());

        // the oplog moved on without touching this collection: the saved token follows, at most once a second
        cursor.postBatchToken = token("8200000002");
        now.addAndGet(MongoChangeStreamCapture.IDLE_SAVE_MILLIS - 1);
        capture.pollOnce();
        assertEquals(new ChangeStreamPosition.Token(token("8200000001")).encode(),
                log.positions().get(MongoChangeStreamCapture.PARTITION).lastPosition());
        now.addAndGet(1);
        capture.pollOnce();
        assertEquals(new ChangeStreamPosition.Token(token("8200000002")).encode(),
                log.positions().get(MongoChangeStreamCapture.PARTITION).lastPosition());
        assertEquals(2, capture.idleTokenSaves());
        assertEquals(0, log.size(), "an idle token carries no change");
    }

    @Test
    void aLostResumePointIsAStreamGapNotAMissingFeature() {
        MongoCommandException lost = new MongoCommandException(new BsonDocument("ok", new BsonInt32(0))
                .append("code", new BsonInt32(286)).append("errmsg", new BsonString("Resume of change stream was not possible")),
                new ServerAddress());
        assertTrue(MongoChangeStreamCapture.historyLost(lost));
        MongoCommandException other = new MongoCommandException(new BsonDocument("ok", new BsonInt32(0))
                .append("code", new BsonInt32(13)).append("errmsg", new BsonString("not authorized")), new ServerAddress());
        assertFalse(MongoChangeStreamCapture.historyLost(other));
    }
}
