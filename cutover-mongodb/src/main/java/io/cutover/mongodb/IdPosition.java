package io.cutover.mongodb;

import io.cutover.core.copy.Position;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * The last acknowledged {@code _id} of a backfill range, with its BSON type kept (an Int32 stays an
 * Int32, an ObjectId an ObjectId): encoded as canonical Extended JSON {@code {"_id": ...}}, which is
 * lossless for every BSON type.
 */
public record IdPosition(BsonValue id) implements Position {
    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    @Override
    public String encode() {
        return encodeValue(id);
    }

    public static IdPosition decode(String encoded) {
        return new IdPosition(decodeValue(encoded));
    }

    static String encodeValue(BsonValue v) {
        return new BsonDocument("_id", v).toJson(CANONICAL);
    }

    static BsonValue decodeValue(String encoded) {
        return BsonDocument.parse(encoded).get("_id");
    }
}
