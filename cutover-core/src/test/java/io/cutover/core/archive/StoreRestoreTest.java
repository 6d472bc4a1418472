package io.cutover.core.archive;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.version.VersionAttribute;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** What {@code restore --into-source --replace} deletes from the store: whatever the point does not hold as the store holds it. */
class StoreRestoreTest {
    static final Optional<VersionAttribute> V = Optional.of(VersionAttribute.DEFAULT);
    static final Map<String, AttributeValue> LIVE = Map.of("pk", AttributeValue.fromS("a"), "cutover_v", AttributeValue.fromS("E1-1"));
    static final Map<String, AttributeValue> TOMBSTONE = Map.of("pk", AttributeValue.fromS("a"), "cutover_v", AttributeValue.fromS("E1-2"),
            "cutover_v_deleted", AttributeValue.fromBool(true));

    @Test
    void withoutVersionsAKeyGoesWhenThePointHoldsNothingForIt() {
        assertTrue(StoreRestore.stale(LIVE, null, Optional.empty()));
        assertFalse(StoreRestore.stale(LIVE, LIVE, Optional.empty()));
        assertFalse(StoreRestore.stale(LIVE, TOMBSTONE, Optional.empty()), "without version columns a tombstone item is an item like another");
    }

    @Test
    void withVersionsALiveRowGoesWhereThePointHoldsATombstoneOrNothing() {
        assertTrue(StoreRestore.stale(LIVE, null, V));
        assertTrue(StoreRestore.stale(LIVE, TOMBSTONE, V), "deleted at the point: the live row goes (the tombstone is written after)");
        assertFalse(StoreRestore.stale(LIVE, LIVE, V));
    }

    @Test
    void withVersionsATombstoneRowStaysWhereThePointHoldsTheKeyAtAll() {
        assertTrue(StoreRestore.stale(TOMBSTONE, null, V));
        assertFalse(StoreRestore.stale(TOMBSTONE, TOMBSTONE, V), "a resumed run does not delete the tombstone it wrote");
        assertFalse(StoreRestore.stale(TOMBSTONE, LIVE, V), "overwritten by the write phase");
    }
}
