package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

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
public final class StoreChangeWriter implements VersionedWriter {
    private static final ErrorClassifier CLASSIFIER = failure -> failure instanceof CutoverException ce ? ce
            : new CutoverException(ErrorCode.INTERNAL, "the store failed: " + failure, failure);
    private final VersionedStore store;
    private final VersionAttribute version;
    private final RetryPolicy retry;
    private final DeadLetterSink deadLetters;
    private final ExecutorService pool;
    private final LongAdder olderRefused = new LongAdder();
    private final LongAdder landed = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private volatile DeadLetterSink conflictList;

    public StoreChangeWriter(VersionedStore store, VersionAttribute version, int concurrency, RetryPolicy retry, DeadLetterSink deadLetters) {
        this.store = store;
        this.version = version;
        this.retry = retry;
        this.deadLetters = deadLetters;
        this.pool = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, "cutover-store-apply");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public WriteOutcome apply(List<ChangeRecord> distinctKeys) {
        List<CompletableFuture<WriteOutcome>> futures = new ArrayList<>(distinctKeys.size());
        for (ChangeRecord c : distinctKeys) {
            futures.add(CompletableFuture.supplyAsync(() -> applyOne(c), pool));
        }
        WriteOutcome total = WriteOutcome.NONE;
        try {
            for (CompletableFuture<WriteOutcome> f : futures) {
                total = total.plus(f.join());
            }
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            throw c instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.INTERNAL, "apply failed: " + c, c);
        }
        return total;
    }

    private WriteOutcome applyOne(ChangeRecord c) {
        Optional<String> v = c.operation() == ChangeRecord.Operation.PUT ? version.versionOf(c.image()) : Optional.empty();
        try {
            boolean wrote = retry.execute(c.operation() + " " + store.name(), attempt -> c.operation() == ChangeRecord.Operation.PUT
                    ? store.putIfNewer(c.image(), version) : store.deleteUnversioned(c.key(), version), CLASSIFIER, RetryListener.NONE);
            if (!wrote) {
                olderRefused.increment();
                if (v.isPresent() && conflictList != null) {
                    noteIfConflict(c, v.get(), store.get(c.key()).orElse(null));
                }
                return new WriteOutcome(1, 0, 0); // handled: the store holds a value at least as new
            }
            landed.increment();
            return new WriteOutcome(1, c.image() == null ? 0 : ItemSize.wire(c.image()), 0);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.REJECTED) {
                throw e;
            }
            deadLetters.accept(store.name(), c.image() != null ? c.image() : c.key(), e.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
    }

    private void noteIfConflict(ChangeRecord c, String refusedVersion, Map<String, AttributeValue> stored) {
        Optional<String> storedVersion = version.versionOf(stored);
        if (storedVersion.isEmpty() || storedVersion.get().compareTo(refusedVersion) <= 0
                || Version.parse(storedVersion.get()).instance().equals(Version.parse(refusedVersion).instance())
                || version.visible(stored).equals(version.visible(c.image()))) {
            return;
        }
        conflicts.increment();
        DeadLetterSink list = conflictList;
        if (list != null) {
            list.accept(store.name(), c.key(), "conflict: version " + refusedVersion + " refused, the store holds the newer "
                    + storedVersion.get() + " (the newer wins on both sides)");
        }
    }

    @Override
    public long olderRefused() {
        return olderRefused.sum();
    }

    @Override
    public long conflicts() {
        return conflicts.sum();
    }

    @Override
    public long landed() {
        return landed.sum();
    }

    @Override
    public void listConflictsIn(DeadLetterSink sink) {
        this.conflictList = sink;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
