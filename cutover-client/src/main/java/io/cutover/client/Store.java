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

    /**
     * The application's own condition on a write (a DynamoDB {@code ConditionExpression} with its names and values), for
     * optimistic locking or insert-only writes through {@link MigratingStore}. An item deleted through the store reads as
     * absent to it: {@code attribute_not_exists} of a key attribute is true for it.
     */
    record Condition(String expression, Map<String, String> names, Map<String, AttributeValue> values) {
        public Condition {
            if (expression == null || expression.isBlank()) {
                throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID,
                        "a condition needs an expression, for example attribute_not_exists(pk)");
            }
            names = names == null ? Map.of() : Map.copyOf(names);
            values = values == null ? Map.of() : Map.copyOf(values);
        }
    }

    /** One write of a transaction through {@link MigratingStore#transact}: all of them land on the site of record, or none. */
    sealed interface Write permits Put, Delete, Change, Check {
        Map<String, AttributeValue> keyOrItem();

        /** The write's own condition, or null. */
        Condition condition();
    }

    /** A put of a whole item, with an optional condition. */
    record Put(Map<String, AttributeValue> item, Condition condition) implements Write {
        public Map<String, AttributeValue> keyOrItem() {
            return item;
        }
    }

    /** A delete (kept as a tombstone), with an optional condition. */
    record Delete(Map<String, AttributeValue> key, Condition condition) implements Write {
        public Map<String, AttributeValue> keyOrItem() {
            return key;
        }
    }

    /** An update expression, with an optional condition. */
    record Change(Map<String, AttributeValue> key, Update update, Condition condition) implements Write {
        public Map<String, AttributeValue> keyOrItem() {
            return key;
        }
    }

    /** A condition on an item the transaction does not write. */
    record Check(Map<String, AttributeValue> key, Condition condition) implements Write {
        public Check {
            java.util.Objects.requireNonNull(condition, "a Check needs a condition");
        }

        public Map<String, AttributeValue> keyOrItem() {
            return key;
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
