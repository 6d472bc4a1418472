package io.cutover.sql.store;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The reverse direction's writer into a SQL table (docs/decisions/0130-sql-store-and-reverse-into-sql.md): every change
 * captured from the DynamoDB table's stream goes through the {@link SqlStore}, so through the inverse mapping and under
 * the version rule, exactly as the application's own writes do.
 *
 * <ul>
 *   <li>A put carrying a version lands where the row has no version or an older one; a tombstone (a delete made through
 *       the store) keeps the row as a tombstone; a put without a version lands only on an unversioned row.</li>
 *   <li>A REMOVE (a delete made outside the store, a TTL expiry) deletes the row only if it carries no version.</li>
 *   <li>Loop prevention: a change this writer lands in SQL carries the version DynamoDB already holds, so when Debezium
 *       captures it and the forward applier offers it back, the version rule refuses it as not newer (an echo). Nothing
 *       else marks the rows, and nothing needs to.</li>
 *   <li>A change the store refuses by its rules (an attribute with no column, a key that does not match its template) is
 *       dead-lettered with the reason; transient failures were already retried by the store.</li>
 * </ul>
 *
 * The changes of one call have distinct keys; they are applied {@code concurrency} at a time, each in its own
 * transaction (two keys of one row, after a change of key, are serialised by the row lock). {@link #apply} is called
 * from the applier's one thread and blocks until every change is handled.
 */
public final class SqlChangeWriter implements VersionedWriter {
    private final SqlStore store;
    private final VersionAttribute version;
    private final DeadLetterSink deadLetters;
    private volatile DeadLetterSink conflictList;
    private final ExecutorService pool;
    private final LongAdder landed = new LongAdder();
    private final LongAdder olderRefused = new LongAdder();
    private final LongAdder conflicts = new LongAdder();

    public SqlChangeWriter(SqlStore store, int concurrency, DeadLetterSink deadLetters) {
        this.store = store;
        this.version = store.versionAttribute();
        this.deadLetters = deadLetters;
        this.pool = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, "cutover-sql-reverse-apply");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public WriteOutcome apply(List<ChangeRecord> distinctKeys) {
        List<CompletableFuture<WriteOutcome>> futures = new ArrayList<>(distinctKeys.size());
        for (List<ChangeRecord> row : byRow(distinctKeys)) {
            futures.add(CompletableFuture.supplyAsync(() -> {
                WriteOutcome sum = WriteOutcome.NONE;
                for (ChangeRecord c : row) {
                    sum = sum.plus(applyOne(c));
                }
                return sum;
            }, pool));
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

    /**
     * The changes grouped by the row they address (two item keys address one row after a change of key), each group in
     * version order: the stream orders changes per item key only, so a change of key (a put of the new key, a delete of
     * the old one) can come in either order, and the row must take them as the application made them.
     */
    private List<List<ChangeRecord>> byRow(List<ChangeRecord> changes) {
        Map<Object, List<ChangeRecord>> rows = new java.util.LinkedHashMap<>();
        for (ChangeRecord c : changes) {
            Object row;
            try {
                row = store.inverse().primaryKey(c.key());
            } catch (CutoverException unaddressable) {
                row = c.key(); // dead-lettered alone by applyOne
            }
            rows.computeIfAbsent(row, r -> new ArrayList<>()).add(c);
        }
        java.util.Comparator<ChangeRecord> order = java.util.Comparator.comparing(
                (ChangeRecord c) -> c.image() == null ? "" : version.versionOf(c.image()).orElse("")).thenComparingLong(ChangeRecord::logSequence);
        List<List<ChangeRecord>> out = new ArrayList<>();
        for (List<ChangeRecord> group : rows.values()) {
            group.sort(order);
            out.add(group);
        }
        return out;
    }

    private static final Set<ErrorCode> DEAD_LETTERED = Set.of(ErrorCode.REJECTED, ErrorCode.UNSUPPORTED, ErrorCode.CONDITION_FAILED);

    private WriteOutcome applyOne(ChangeRecord c) {
        boolean put = c.operation() == ChangeRecord.Operation.PUT;
        Optional<String> v = put ? version.versionOf(c.image()) : Optional.empty();
        try {
            boolean wrote = put ? store.putIfNewer(c.image(), version) : store.deleteUnversioned(c.key(), version);
            if (!wrote) {
                olderRefused.increment();
                DeadLetterSink list = conflictList;
                if (v.isPresent() && list != null) {
                    noteIfConflict(c, v.get(), list);
                }
                return new WriteOutcome(1, 0, 0); // handled: SQL holds a value at least as new
            }
            landed.increment();
            return new WriteOutcome(1, c.image() == null ? 0 : ItemSize.wire(c.image()), 0);
        } catch (CutoverException e) {
            if (!DEAD_LETTERED.contains(e.code())) {
                throw e;
            }
            deadLetters.accept(store.name(), c.image() != null ? c.image() : c.key(), e.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
    }

    /** As the DynamoDB reverse writer: a strictly newer version of another instance with another value is a true conflict. */
    private void noteIfConflict(ChangeRecord c, String refused, DeadLetterSink list) {
        Map<String, AttributeValue> stored = store.get(c.key()).orElse(null);
        Optional<String> storedVersion = version.versionOf(stored);
        if (storedVersion.isEmpty() || storedVersion.get().compareTo(refused) <= 0
                || Version.parse(storedVersion.get()).instance().equals(Version.parse(refused).instance())
                || version.visible(stored).equals(version.visible(c.image()))) {
            return;
        }
        conflicts.increment();
        list.accept(store.name(), c.key(), "conflict: version " + refused + " refused, the table holds the newer "
                + storedVersion.get() + " (the newer wins on both sides)");
    }

    /**
     * Lists every refused change that is a true conflict in {@code sink} (one read of the row per refused change); without
     * a sink conflicts are neither read for nor counted. Set before the first {@link #apply}.
     */
    @Override
    public void listConflictsIn(DeadLetterSink sink) {
        this.conflictList = sink;
    }

    @Override
    public long landed() {
        return landed.sum();
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
    public void close() {
        pool.shutdownNow();
    }
}
