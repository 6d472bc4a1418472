package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * {@code --until FIELD<=VALUE}: the cut of a backfill, the documents written up to a moment. The value
 * is read as an ISO-8601 instant (a Date; for {@code _id}, an ObjectId's creation second), else a
 * number, else a string. Documents without the field are not matched ({@code $lte} never matches a
 * missing field): say so when choosing the field.
 *
 * @param field the document field compared
 * @param bound the inclusive upper bound, typed
 * @param text  the value as given, for messages and the state file
 */
public record CutFilter(String field, BsonValue bound, String text) {

    public static CutFilter parse(String spec) {
        int at = spec == null ? -1 : spec.indexOf("<=");
        if (at <= 0 || at + 2 >= spec.length()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--until '" + spec + "' must be FIELD<=VALUE, for example"
                    + " --until _id<=2026-11-23T10:00:00Z (ObjectId time) or --until createdAt<=2026-11-23T10:00:00Z");
        }
        String field = spec.substring(0, at).trim();
        String value = spec.substring(at + 2).trim();
        return new CutFilter(field, bound(field, value), value);
    }

    private static BsonValue bound(String field, String value) {
        try {
            Instant t = Instant.parse(value);
            if (field.equals("_id")) {
                // Every ObjectId created in or before that second: its first 4 bytes are the second, the rest at most ff.
                return new BsonObjectId(new ObjectId(String.format("%08xffffffffffffffff", t.getEpochSecond())));
            }
            return new BsonDateTime(t.toEpochMilli());
        } catch (DateTimeParseException notATime) {
            // not an instant: a number or a string
        }
        if (value.matches("[0-9a-fA-F]{24}") && field.equals("_id")) {
            return new BsonObjectId(new ObjectId(value));
        }
        try {
            BigDecimal n = new BigDecimal(value);
            if (n.scale() <= 0 && n.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0) {
                return new BsonInt64(n.longValueExact());
            }
            return new BsonDecimal128(new Decimal128(n));
        } catch (NumberFormatException | ArithmeticException notANumber) {
            return new BsonString(value);
        }
    }

    /** The query filter: {@code {field: {$lte: bound}}}. */
    public BsonDocument filter() {
        return new BsonDocument(field, new BsonDocument("$lte", bound));
    }

    @Override
    public String toString() {
        return field + "<=" + text;
    }
}
