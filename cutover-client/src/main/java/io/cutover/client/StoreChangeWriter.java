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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies captured changes to any {@link VersionedStore} under the version rule: the reverse direction of a cut-over
 * into a store that is not a DynamoDB table (a MongoDB collection, decision 0140), with the same rules as
 * {@code VersionedChangeWriter}: a versioned put (a tombstone included) lands only over an older or absent version, an
 * unversioned put or a delete only on an unversioned item; a refusal is counted (an echo of the other direction, or a
 * stale record), a true conflict listed; a change the store rejects ({@link ErrorCode#REJECTED}, for example an item
 * with no document form) goes to the dead letters. Changes of one call have distinct keys and are written
 * {@code concurrency} at a time, each through the one {@link RetryPolicy}; a {@link BatchedVersionedStore} takes them in
 * batches of up to {@value #BATCH} changes, each batch one call (decision 0250).
 *
 * <p>{@link #apply} is called from the applier's one thread and blocks until every change is acknowledged.
 */
public final class StoreChangeWriter extends ConcurrentVersionedWriter {
    /** At most this many changes in one batch of a {@link BatchedVersionedStore}. */
    static final int BATCH = 100;
    private static final ErrorClassifier CLASSIFIER = failure -> failure instanceof CutoverException ce ? ce
            : new CutoverException(ErrorCode.INTERNAL, "the store failed: " + failure, failure);
    private final VersionedStore store;
    private final RetryPolicy retry;
    private final DeadLetterSink deadLetters;
    private final int concurrency;

    public StoreChangeWriter(VersionedStore store, VersionAttribute version, int concurrency, RetryPolicy retry, DeadLetterSink deadLetters) {
        super(version, concurrency, "cutover-store-apply");
        this.concurrency = Math.max(1, concurrency);
        this.store = store;
        this.retry = retry;
        this.deadLetters = deadLetters;
    }

    /**
     * With a {@link BatchedVersionedStore}, the changes in batches of at most {@value #BATCH}, at least as many batches as
     * writers when there are enough; otherwise each change alone.
     */
    @Override
    protected List<List<ChangeRecord>> groups(List<ChangeRecord> distinctKeys) {
        if (!(store instanceof BatchedVersionedStore)) {
            return super.groups(distinctKeys);
        }
        int size = Math.max(1, Math.min(BATCH, (distinctKeys.size() + concurrency - 1) / concurrency));
        List<List<ChangeRecord>> out = new ArrayList<>();
        for (int from = 0; from < distinctKeys.size(); from += size) {
            out.add(distinctKeys.subList(from, Math.min(distinctKeys.size(), from + size)));
        }
        return out;
    }

    /** A batch in one {@link BatchedVersionedStore#writeAllIfNewer} (through the one retry policy), each change counted as alone. */
    @Override
    protected WriteOutcome applyGroup(List<ChangeRecord> group) {
        if (!(store instanceof BatchedVersionedStore batched) || group.size() == 1) {
            return super.applyGroup(group);
        }
        List<BatchedVersionedStore.KeyedChange> asked = group.stream().map(c -> new BatchedVersionedStore.KeyedChange(c.key(),
                c.operation() == ChangeRecord.Operation.PUT ? c.image() : null)).toList();
        List<BatchedVersionedStore.ChangeResult> results = retry.execute("write " + group.size() + " changes to " + store.name(),
                attempt -> batched.writeAllIfNewer(asked, version), CLASSIFIER, RetryListener.NONE);
        WriteOutcome sum = WriteOutcome.NONE;
        for (int i = 0; i < group.size(); i++) {
            BatchedVersionedStore.ChangeResult r = results.get(i);
            if (r.rejected() != null && r.rejected().code() != ErrorCode.REJECTED) {
                throw r.rejected();
            }
            sum = sum.plus(finish(group.get(i), r.wrote(), r.rejected()));
        }
        return sum;
    }

    @Override
    protected WriteOutcome applyOne(ChangeRecord c) {
        try {
            boolean wrote = retry.execute(c.operation() + " " + store.name(), attempt -> c.operation() == ChangeRecord.Operation.PUT
                    ? store.putIfNewer(c.image(), version) : store.deleteUnversioned(c.key(), version), CLASSIFIER, RetryListener.NONE);
            return finish(c, wrote, null);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.REJECTED) {
                throw e;
            }
            return finish(c, false, e);
        }
    }

    private WriteOutcome finish(ChangeRecord c, boolean wrote, CutoverException rejected) {
        if (rejected != null) {
            deadLetters.accept(store.name(), c.image() != null ? c.image() : c.key(), rejected.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
        if (!wrote) {
            refusedOne();
            Optional<String> v = c.operation() == ChangeRecord.Operation.PUT ? version.versionOf(c.image()) : Optional.empty();
            if (v.isPresent() && listingConflicts()) {
                noteIfConflict(c, v.get(), store.get(c.key()).orElse(null), store.name(), "the store");
            }
            return new WriteOutcome(1, 0, 0); // handled: the store holds a value at least as new
        }
        landedOne();
        return new WriteOutcome(1, c.image() == null ? 0 : ItemSize.wire(c.image()), 0);
    }
}
