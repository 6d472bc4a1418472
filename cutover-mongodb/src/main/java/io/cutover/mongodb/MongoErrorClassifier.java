package io.cutover.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.retry.ErrorClassifier;

/**
 * Maps MongoDB driver failures to {@link ErrorCode}s for {@link io.cutover.core.retry.RetryPolicy}: a
 * dropped, reset or timed-out connection, a primary that stepped down, and any error the server labels
 * retryable may be retried; a resume point the oplog no longer holds is a stream gap; refused
 * credentials and every other error are not retried. Stateless.
 */
final class MongoErrorClassifier implements ErrorClassifier {
    private final String source;

    /** @param source what the messages name, for example {@link MongoCollectionSource#describe()} */
    MongoErrorClassifier(String source) {
        this.source = source;
    }

    @Override
    public CutoverException classify(Throwable failure) {
        if (failure instanceof CutoverException ce) {
            return ce;
        }
        String message = MongoSourceUri.mask(String.valueOf(failure.getMessage()));
        if (failure instanceof MongoSecurityException) {
            return new CutoverException(ErrorCode.CREDENTIALS, source + " refused the credentials: " + message
                    + " (check the user, the password and authSource in the URI)", failure);
        }
        if (failure instanceof MongoCommandException c && MongoChangeStreamCapture.historyLost(c)) {
            return new CutoverException(ErrorCode.STREAM_GAP, "the change stream of " + source + " cannot resume from the saved resume token ("
                    + message + "): start again with --restart, and size the oplog to cover the longest stop (docs/mongodb.md)", failure);
        }
        if (isTransient(failure)) {
            return new CutoverException(ErrorCode.TRANSIENT, "connection problem with " + source + ": " + message, failure);
        }
        return new CutoverException(ErrorCode.REJECTED, source + " refused the request: " + message, failure);
    }

    static boolean isTransient(Throwable t) {
        if (t instanceof MongoSocketException || t instanceof MongoTimeoutException || t instanceof MongoNotPrimaryException
                || t instanceof MongoNodeIsRecoveringException) {
            return true;
        }
        return t instanceof MongoException m && (m.hasErrorLabel("ResumableChangeStreamError") || m.hasErrorLabel("RetryableWriteError")
                || m.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL));
    }
}
