package io.cutover.sql.store;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ConcurrentVersionedWriter;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
public final class SqlChangeWriter extends ConcurrentVersionedWriter {
    private final SqlStore store;
    private final DeadLetterSink deadLetters;

    public SqlChangeWriter(SqlStore store, int concurrency, DeadLetterSink deadLetters) {
        super(store.versionAttribute(), concurrency, "cutover-sql-reverse-apply");
        this.store = store;
        this.deadLetters = deadLetters;
    }

    /**
     * The changes grouped by the row they address (two item keys address one row after a change of key), each group in
     * version order: the stream orders changes per item key only, so a change of key (a put of the new key, a delete of
     * the old one) can come in either order, and the row must take them as the application made them.
     */
    @Override
    protected List<List<ChangeRecord>> groups(List<ChangeRecord> changes) {
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

    @Override
    protected WriteOutcome applyOne(ChangeRecord c) {
        boolean put = c.operation() == ChangeRecord.Operation.PUT;
        Optional<String> v = put ? version.versionOf(c.image()) : Optional.empty();
        try {
            boolean wrote = put ? store.putIfNewer(c.image(), version) : store.deleteUnversioned(c.key(), version);
            if (!wrote) {
                refusedOne();
                if (v.isPresent() && listingConflicts()) {
                    noteIfConflict(c, v.get(), store.get(c.key()).orElse(null), store.name(), "the table");
                }
                return new WriteOutcome(1, 0, 0); // handled: SQL holds a value at least as new
            }
            landedOne();
            return new WriteOutcome(1, c.image() == null ? 0 : ItemSize.wire(c.image()), 0);
        } catch (CutoverException e) {
            if (!DEAD_LETTERED.contains(e.code())) {
                throw e;
            }
            deadLetters.accept(store.name(), c.image() != null ? c.image() : c.key(), e.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
    }
}
