package io.cutover.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One side of a migration as an application sees it: items in the DynamoDB item model, addressed by
 * their key. {@link DynamoDbStore} is the implementation today; other stores (a relational table
 * through an invertible mapping, a MongoDB collection) plug in here by implementing the same methods,
 * and, to be one side of a {@link MigratingStore}, the versioned writes of {@link VersionedStore}.
 *
 * <p>Implementations are thread-safe; every call blocks until the store answered. Reads are strongly
 * consistent (the wrapper's correctness depends on reading what was acknowledged). A failed call throws
 * a {@link io.cutover.core.CutoverException}; a call that threw may or may not have taken effect.
 */
public interface Store {
    /** For messages: the table and where it is. */
    String name();

    /** The key attribute names, partition key first. */
    List<String> keyNames();

    void put(Map<String, AttributeValue> item);

    Optional<Map<String, AttributeValue>> get(Map<String, AttributeValue> key);

    void delete(Map<String, AttributeValue> key);

    /** Applies an update expression and returns the whole item as it is afterwards. */
    Map<String, AttributeValue> update(Map<String, AttributeValue> key, Update update);

    /** An update expression with its names and values, as UpdateItem takes them. */
    record Update(String expression, Map<String, String> names, Map<String, AttributeValue> values) {
        public Update {
            names = names == null ? Map.of() : Map.copyOf(names);
            values = values == null ? Map.of() : Map.copyOf(values);
        }
    }

    /** The key attributes of an item. */
    default Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key = new java.util.TreeMap<>();
        for (String k : keyNames()) {
            AttributeValue v = item.get(k);
            if (v == null) {
                throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.REJECTED, "the item has no key attribute '" + k
                        + "' of " + name() + ": every item needs " + keyNames());
            }
            key.put(k, v);
        }
        return key;
    }
}
