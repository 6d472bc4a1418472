package io.cutover.core.changelog;

import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One captured change, in the target's item model, as the change log keeps it.
 *
 * @param logSequence      the log's own order, assigned on append (0 before that); per key it follows source order
 * @param partition        where the source ordered it: a stream shard, a replication slot, a change stream
 * @param sourcePosition   the source's own sequence number or event id within the partition; with the
 *                         partition it identifies the change, so a change read twice is kept once
 * @param key              the item's key attributes
 * @param operation        {@link Operation#PUT} writes {@code image} whole; {@link Operation#DELETE} deletes the key
 * @param image            the full new item for a PUT, null for a DELETE
 * @param sourceTimeMillis when the source says the change happened (DynamoDB Streams: rounded to the second)
 * @param capturedAtMillis when Cutover read it
 */
public record ChangeRecord(long logSequence, String partition, String sourcePosition, Map<String, AttributeValue> key,
                           Operation operation, Map<String, AttributeValue> image, long sourceTimeMillis, long capturedAtMillis) {

    /** What a change does to its key. */
    public enum Operation {
        PUT, DELETE
    }

    public ChangeRecord {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(sourcePosition, "sourcePosition");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(operation, "operation");
        if (operation == Operation.PUT && image == null) {
            throw new IllegalArgumentException("a PUT needs the new image");
        }
        if (operation == Operation.DELETE && image != null) {
            throw new IllegalArgumentException("a DELETE has no image");
        }
        key = Map.copyOf(key);
        image = image == null ? null : Map.copyOf(image);
    }

    public static ChangeRecord put(String partition, String sourcePosition, Map<String, AttributeValue> key,
                                   Map<String, AttributeValue> image, long sourceTimeMillis, long capturedAtMillis) {
        return new ChangeRecord(0, partition, sourcePosition, key, Operation.PUT, image, sourceTimeMillis, capturedAtMillis);
    }

    public static ChangeRecord delete(String partition, String sourcePosition, Map<String, AttributeValue> key,
                                      long sourceTimeMillis, long capturedAtMillis) {
        return new ChangeRecord(0, partition, sourcePosition, key, Operation.DELETE, null, sourceTimeMillis, capturedAtMillis);
    }

    ChangeRecord withLogSequence(long sequence) {
        return new ChangeRecord(sequence, partition, sourcePosition, key, operation, image, sourceTimeMillis, capturedAtMillis);
    }
}
