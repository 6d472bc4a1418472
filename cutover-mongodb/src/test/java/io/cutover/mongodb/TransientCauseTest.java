package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which failures of a lookup make the change stream reopen (a dropped connection under the retries) and which end it. */
class TransientCauseTest {
    private static final io.cutover.core.retry.RetryPolicy NO_WAIT = new io.cutover.core.retry.RetryPolicy(3, Duration.ZERO, Duration.ZERO,
            d -> { });

    @Test
    void aDroppedConnectionThatRanOutOfRetriesIsFoundUnderTheRetryFailure() {
        MongoSocketReadException dropped = new MongoSocketReadException("Prematurely reached end of stream", new ServerAddress());
        CutoverException exhausted = org.junit.jupiter.api.Assertions.assertThrows(CutoverException.class, () -> NO_WAIT.execute("a lookup",
                attempt -> {
                    throw dropped;
                }, new MongoErrorClassifier("collection o"), io.cutover.core.retry.RetryListener.NONE));
        assertSame(ErrorCode.RETRIES_EXHAUSTED, exhausted.code());
        assertSame(dropped, MongoChangeStreamCapture.transientCause(exhausted));
    }

    @Test
    void otherFailuresEndTheStream() {
        assertNull(MongoChangeStreamCapture.transientCause(new CutoverException(ErrorCode.REJECTED, "refused")));
        assertNull(MongoChangeStreamCapture.transientCause(new CutoverException(ErrorCode.REJECTED, "refused",
                new com.mongodb.MongoCommandException(new org.bson.BsonDocument("ok", new org.bson.BsonInt32(0))
                        .append("code", new org.bson.BsonInt32(13)).append("errmsg", new org.bson.BsonString("unauthorized")), new ServerAddress()))));
    }
}
