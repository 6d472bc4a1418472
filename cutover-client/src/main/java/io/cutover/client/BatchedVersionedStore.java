package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.version.VersionAttribute;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A {@link VersionedStore} that writes the changes of many keys in a few requests, each change under the version rule
 * and decided as its single call would decide it (docs/decisions/0250-batched-reverse-apply.md): the reverse applier's
 * batch. {@link StoreChangeWriter} uses it when the store offers it.
 */
public interface BatchedVersionedStore extends VersionedStore {
    /**
     * One change of a key: a put of {@code image} (a tombstone when it carries the flag), as by
     * {@link #putIfNewer(Map, VersionAttribute)}, or, with a null image, a delete made outside the store, as by
     * {@link #deleteUnversioned}.
     */
    record KeyedChange(Map<String, AttributeValue> key, Map<String, AttributeValue> image) {
    }

    /**
     * What one change came to: {@code wrote}, or refused by the version rule, or {@code rejected} by the store's own rules
     * (an item with no form in the store; nothing was written).
     */
    record ChangeResult(boolean wrote, CutoverException rejected) {
        public static final ChangeResult WROTE = new ChangeResult(true, null);
        public static final ChangeResult REFUSED = new ChangeResult(false, null);
    }

    /**
     * Writes {@code changes} (distinct keys) under the version rule; one result per change, in order. A failure of the store
     * itself (not of one change) throws; the batch may then be written again, which the version rule makes harmless.
     */
    List<ChangeResult> writeAllIfNewer(List<KeyedChange> changes, VersionAttribute version);
}
