package io.cutover.core.apply;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
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
 * What every {@link VersionedWriter} shares, whatever it writes into (a DynamoDB table, a {@code VersionedStore}, SQL
 * rows): the changes of one {@link #apply} written {@code concurrency} groups at a time on its own pool (a group in
 * order, by {@link #applyOne}), the counters of what the version rule let land or refused, and the rule for a true
 * conflict (decision 0073). A subclass writes one change and says where refused changes are looked up.
 */
public abstract class ConcurrentVersionedWriter implements VersionedWriter {
    protected final VersionAttribute version;
    private final ExecutorService pool;
    private final LongAdder olderRefused = new LongAdder();
    private final LongAdder landed = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private volatile DeadLetterSink conflictList;

    protected ConcurrentVersionedWriter(VersionAttribute version, int concurrency, String threadName) {
        this.version = version;
        this.pool = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes one change under the version rule; counts it with {@link #landedOne} or {@link #refusedOne}. */
    protected abstract WriteOutcome applyOne(ChangeRecord c);

    /**
     * Writes one group, in order, on a pool thread; by default each change by {@link #applyOne}. A writer whose store has
     * transactions may write a group in one (the SQL writer does, decision 0200).
     */
    protected WriteOutcome applyGroup(List<ChangeRecord> group) {
        WriteOutcome sum = WriteOutcome.NONE;
        for (ChangeRecord c : group) {
            sum = sum.plus(applyOne(c));
        }
        return sum;
    }

    /** The changes that must be written one after another, in order; by default each change alone (distinct keys). */
    protected List<List<ChangeRecord>> groups(List<ChangeRecord> distinctKeys) {
        List<List<ChangeRecord>> out = new ArrayList<>(distinctKeys.size());
        distinctKeys.forEach(c -> out.add(List.of(c)));
        return out;
    }

    @Override
    public final WriteOutcome apply(List<ChangeRecord> distinctKeys) {
        List<CompletableFuture<WriteOutcome>> futures = new ArrayList<>(distinctKeys.size());
        for (List<ChangeRecord> group : groups(distinctKeys)) {
            futures.add(CompletableFuture.supplyAsync(() -> applyGroup(group), pool));
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

    protected final void landedOne() {
        landed.increment();
    }

    protected final void refusedOne() {
        olderRefused.increment();
    }

    /** Whether refused changes are checked for conflicts (a read each): only once {@link #listConflictsIn} gave a sink. */
    protected final boolean listingConflicts() {
        return conflictList != null;
    }

    /**
     * Counts and lists a refused change as a true conflict when it is one: {@code stored} holds a strictly newer version
     * written by another instance and another value. An echo of the other direction (the same version), one writer's own
     * stale record (the same instance) or the same value are not: nothing diverged. {@code where} names the site in the
     * list ("the table", "the store").
     */
    protected final void noteIfConflict(ChangeRecord c, String refusedVersion, Map<String, AttributeValue> stored, String site,
                                        String where) {
        Optional<String> storedVersion = version.versionOf(stored);
        if (storedVersion.isEmpty() || storedVersion.get().compareTo(refusedVersion) <= 0
                || Version.parse(storedVersion.get()).instance().equals(Version.parse(refusedVersion).instance())
                || version.visible(stored).equals(version.visible(c.image()))) {
            return;
        }
        conflicts.increment();
        DeadLetterSink list = conflictList;
        if (list != null) {
            list.accept(site, c.key(), "conflict: version " + refusedVersion + " refused, " + where + " holds the newer "
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
