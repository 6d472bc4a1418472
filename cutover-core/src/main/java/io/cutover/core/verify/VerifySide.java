package io.cutover.core.verify;

import io.cutover.core.copy.ItemPage;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One side of a verification, seen through the target's item model: a DynamoDB table, or (later) a
 * MongoDB collection or SQL table through its mapping. The verifier reads it in parallel units and
 * looks single items up to recheck and explain differences.
 *
 * <p>Threading: units are read on the verifier's threads, one thread per unit; {@link #lookup} is
 * called from several threads at once and must be thread-safe. Both block.
 */
public interface VerifySide {
    /** For messages: "source table orders at http://..." */
    String describe();

    /** The side split into {@code segments} independently readable units. */
    List<? extends SnapshotUnit> units(int segments);

    /**
     * The side split into {@code segments} units whose pages hold the items in canonical form, which is what the verifier
     * reads. By default each item of {@link #units} through {@link ItemHasher#form}; a side that can build the canonical
     * text without building attribute values first (DynamoDB's pass-through read) overrides it, and must give the same text.
     */
    default List<? extends ItemUnit<CanonicalForm>> canonicalUnits(int segments, ItemHasher hasher) {
        return units(segments).stream().map(u -> (ItemUnit<CanonicalForm>) new ItemUnit<CanonicalForm>() {
            @Override
            public String id() {
                return u.id();
            }

            @Override
            public ItemPage<CanonicalForm> readItems(Position after) {
                Page page = u.readPage(after);
                List<CanonicalForm> forms = new java.util.ArrayList<>(page.items().size());
                for (Map<String, AttributeValue> item : page.items()) {
                    forms.add(hasher.form(item));
                }
                return new ItemPage<>(forms, page.next());
            }

            @Override
            public Position decode(String encoded) {
                return u.decode(encoded);
            }
        }).toList();
    }

    /** The item with this key, read strongly consistently, or null when there is none. */
    Map<String, AttributeValue> lookup(Map<String, AttributeValue> key);

    /** The number of items the side reports (approximate; for progress only), or -1. */
    long estimatedItems();

    /**
     * Whether, when the user leaves {@code --parallelism} to Cutover, the verifier may find how many units to read at once
     * (up to {@link VerifyOptions#AUTO_MAX_PARALLELISM}, each unit one request at a time): true for a service that
     * scales with requests in flight, such as DynamoDB. A side that holds a connection per unit (a database with a
     * connection limit) says false and is read {@link VerifyOptions#AUTO_FIXED_PARALLELISM} units at a time.
     */
    default boolean adaptiveReads() {
        return false;
    }
}
