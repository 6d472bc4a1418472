package io.cutover.mongodb;

import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * Where a change stream resumes: a resume token (the {@code _id} of the last event kept, or the
 * server's post-batch token), or, before any token exists on a server that gives none, an operation
 * time to start at. Typed, and encoded for the change log's partition position.
 */
public sealed interface ChangeStreamPosition {
    String encode();

    record Token(BsonDocument token) implements ChangeStreamPosition {
        @Override
        public String encode() {
            return "token:" + token.toJson();
        }
    }

    record OperationTime(BsonTimestamp time) implements ChangeStreamPosition {
        @Override
        public String encode() {
            return "time:" + time.getTime() + ":" + time.getInc();
        }
    }

    static ChangeStreamPosition decode(String encoded) {
        if (encoded.startsWith("token:")) {
            return new Token(BsonDocument.parse(encoded.substring("token:".length())));
        }
        if (encoded.startsWith("time:")) {
            String[] p = encoded.split(":");
            return new OperationTime(new BsonTimestamp(Integer.parseInt(p[1]), Integer.parseInt(p[2])));
        }
        throw new IllegalArgumentException("not a change stream position: " + encoded);
    }
}
