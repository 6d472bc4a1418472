package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ConcurrentVersionedWriter;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.version.VersionAttribute;
import java.util.Optional;

/**
 * Applies captured changes to any {@link VersionedStore} under the version rule: the reverse direction of a cut-over
 * into a store that is not a DynamoDB table (a MongoDB collection, decision 0140), with the same rules as
 * {@code VersionedChangeWriter}: a versioned put (a tombstone included) lands only over an older or absent version, an
 * unversioned put or a delete only on an unversioned item; a refusal is counted (an echo of the other direction, or a
 * stale record), a true conflict listed; a change the store rejects ({@link ErrorCode#REJECTED}, for example an item
 * with no document form) goes to the dead letters. Changes of one call have distinct keys and are written
 * {@code concurrency} at a time, each through the one {@link RetryPolicy}.
 *
 * <p>{@link #apply} is called from the applier's one thread and blocks until every change is acknowledged.
 */
public final class StoreChangeWriter extends ConcurrentVersionedWriter {
    private static final ErrorClassifier CLASSIFIER = failure -> failure instanceof CutoverException ce ? ce
            : new CutoverException(ErrorCode.INTERNAL, "the store failed: " + failure, failure);
    private final VersionedStore store;
    private final RetryPolicy retry;
    private final DeadLetterSink deadLetters;

    public StoreChangeWriter(VersionedStore store, VersionAttribute version, int concurrency, RetryPolicy retry, DeadLetterSink deadLetters) {
        super(version, concurrency, "cutover-store-apply");
        this.store = store;
        this.retry = retry;
        this.deadLetters = deadLetters;
    }

    @Override
    protected WriteOutcome applyOne(ChangeRecord c) {
        Optional<String> v = c.operation() == ChangeRecord.Operation.PUT ? version.versionOf(c.image()) : Optional.empty();
        try {
            boolean wrote = retry.execute(c.operation() + " " + store.name(), attempt -> c.operation() == ChangeRecord.Operation.PUT
                    ? store.putIfNewer(c.image(), version) : store.deleteUnversioned(c.key(), version), CLASSIFIER, RetryListener.NONE);
            if (!wrote) {
                refusedOne();
                if (v.isPresent() && listingConflicts()) {
                    noteIfConflict(c, v.get(), store.get(c.key()).orElse(null), store.name(), "the store");
                }
                return new WriteOutcome(1, 0, 0); // handled: the store holds a value at least as new
            }
            landedOne();
            return new WriteOutcome(1, c.image() == null ? 0 : ItemSize.wire(c.image()), 0);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.REJECTED) {
                throw e;
            }
            deadLetters.accept(store.name(), c.image() != null ? c.image() : c.key(), e.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
    }
}
