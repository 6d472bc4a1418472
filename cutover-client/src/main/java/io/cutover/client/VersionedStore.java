package io.cutover.client;

import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One site of a cut-over as {@link MigratingStore} and the replication appliers write it: a {@link Store} that also
 * writes under the version rule (docs/decisions/0070-versioned-writes-and-the-version-rule.md). Every store that joins
 * a cut-over implements these three writes natively, as one conditional request: DynamoDB with a condition expression,
 * a SQL store as an upsert whose update is guarded by {@code WHERE v IS NULL OR v < :v}, a MongoDB store as an
 * update filtered on the version field. Versions compare as strings ({@link Version#encoded()}).
 *
 * <p>Same threading and blocking rules as {@link Store}.
 */
public interface VersionedStore extends Store {
    /**
     * Writes {@code item} (which carries its version in {@code version.name()}, or none) only where the stored item has
     * no version or an older one; an item without a version lands only on an unversioned item. Returns whether it
     * landed; false means the store holds a value at least as new.
     */
    default boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute version) {
        return putIfNewer(item, version, null);
    }

    /**
     * {@link #putIfNewer(Map, VersionAttribute)}, also requiring {@code condition} (null for none) of the stored item, where
     * a tombstone counts as absent. A false condition throws {@link io.cutover.core.ErrorCode#CONDITION_FAILED} and
     * writes nothing; a stored version at least as new returns false.
     */
    boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute version, Condition condition);

    /**
     * Applies {@code update}, sets the version to {@code newVersion} and clears a tombstone, only where the stored item
     * has no version or an older one. Returns the whole item as it is afterwards, or empty when the store held a version
     * at least as new (nothing was written).
     */
    default Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                                VersionAttribute version) {
        return updateIfNewer(key, update, newVersion, version, null);
    }

    /** {@link #updateIfNewer(Map, Update, Version, VersionAttribute)}, also requiring {@code condition} (as {@link #putIfNewer}). */
    Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                        VersionAttribute version, Condition condition);

    /**
     * Writes every write of {@code writes} with {@code newVersion} (a delete as a tombstone) in one transaction, each under
     * its condition and the version rule. Returns false, writing nothing, when a stored version was at least as new; a
     * false condition of the application throws {@link io.cutover.core.ErrorCode#CONDITION_FAILED} naming the write.
     */
    boolean transactIfNewer(java.util.List<Write> writes, Version newVersion, VersionAttribute version);

    /** Deletes the key only if its item carries no version (a delete made outside the store); returns whether it did. */
    boolean deleteUnversioned(Map<String, AttributeValue> key, VersionAttribute version);

}
