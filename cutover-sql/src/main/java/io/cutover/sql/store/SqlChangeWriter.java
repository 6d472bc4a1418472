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
 * The changes of one call have distinct keys; whole rows are packed into batches of at most {@value #BATCH} changes, each
 * batch written in one transaction, {@code concurrency} batches at a time (decision 0200), with a few multi-row
 * statements: the batch's rows read under their locks in one, each row's last state written in one more (decision
 * 0250). {@link #apply} is called from the applier's one thread and blocks until every change is handled.
 */
public final class SqlChangeWriter extends ConcurrentVersionedWriter {
    /** At most this many changes are written in one transaction. */
    static final int BATCH = 100;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqlChangeWriter.class);
    private final SqlStore store;
    private final DeadLetterSink deadLetters;
    private final int concurrency;

    public SqlChangeWriter(SqlStore store, int concurrency, DeadLetterSink deadLetters) {
        super(store.versionAttribute(), concurrency, "cutover-sql-reverse-apply");
        this.store = store;
        this.deadLetters = deadLetters;
        this.concurrency = Math.max(1, concurrency);
    }

    /**
     * The changes grouped by the row they address (two item keys address one row after a change of key), each group in
     * version order: the stream orders changes per item key only, so a change of key (a put of the new key, a delete of
     * the old one) can come in either order, and the row must take them as the application made them.
     */
    @Override
    protected List<List<ChangeRecord>> groups(List<ChangeRecord> changes) {
        Map<Object, List<ChangeRecord>> rows = byRow(changes);
        java.util.Comparator<ChangeRecord> order = java.util.Comparator.comparing(
                (ChangeRecord c) -> c.image() == null ? "" : version.versionOf(c.image()).orElse("")).thenComparingLong(ChangeRecord::logSequence);
        // Whole rows packed into batches of at most BATCH changes, at least as many batches as writers when there is enough.
        int size = Math.max(1, Math.min(BATCH, (changes.size() + concurrency - 1) / concurrency));
        List<List<ChangeRecord>> out = new ArrayList<>();
        List<ChangeRecord> batch = new ArrayList<>();
        for (List<ChangeRecord> group : rows.values()) {
            group.sort(order);
            if (!batch.isEmpty() && batch.size() + group.size() > size) {
                out.add(batch);
                batch = new ArrayList<>();
            }
            batch.addAll(group);
        }
        if (!batch.isEmpty()) {
            out.add(batch);
        }
        return out;
    }

    /** The changes by the row they address, in the order first met. */
    private Map<Object, List<ChangeRecord>> byRow(List<ChangeRecord> changes) {
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
        return rows;
    }

    /** What one change came to inside a batch; counted, listed and dead-lettered only once the batch committed. */
    private record Decided(ChangeRecord change, boolean wrote, Optional<String> version, Map<String, AttributeValue> stored,
                           String refusal) {
    }

    /**
     * One batch (whole rows, each in version order) in one transaction: one commit for many changes. When a statement
     * fails and takes the transaction with it, the batch is written again one change per transaction, so that only the
     * change at fault is dead-lettered.
     */
    @Override
    protected WriteOutcome applyGroup(List<ChangeRecord> batch) {
        if (batch.size() == 1) {
            return applyOne(batch.get(0));
        }
        List<Decided> decided;
        try {
            decided = store.inOneTransaction("apply " + batch.size() + " changes to", () -> decideAll(batch));
        } catch (CutoverException e) {
            if (e.code().retryable()) {
                throw e; // retries spent: the applier stops, and the changes are applied again from the log
            }
            LOG.info("a batch of {} changes failed ({}); writing them one by one", batch.size(), e.getMessage());
            WriteOutcome sum = WriteOutcome.NONE;
            for (ChangeRecord c : batch) {
                sum = sum.plus(applyOne(c));
            }
            return sum;
        }
        WriteOutcome sum = WriteOutcome.NONE;
        for (Decided d : decided) {
            sum = sum.plus(finish(d));
        }
        return sum;
    }

    private static final Set<ErrorCode> DEAD_LETTERED = Set.of(ErrorCode.REJECTED, ErrorCode.UNSUPPORTED, ErrorCode.CONDITION_FAILED);

    @Override
    protected WriteOutcome applyOne(ChangeRecord c) {
        return finish(store.inOneTransaction("apply a change to", () -> decide(c)));
    }

    /**
     * A batch's rows written by {@link SqlStore#writeInOrder}: read in one statement, each row's changes decided in version
     * order and only its last state written, in a few multi-row statements (decision 0250); every change is still counted
     * as the single call would count it. The rows it leaves (a change of key, an unreadable key) are written one change
     * at a time, in the same transaction.
     */
    private List<Decided> decideAll(List<ChangeRecord> batch) {
        List<List<ChangeRecord>> rows = new ArrayList<>(byRow(batch).values());
        List<List<SqlStore.RowChange>> asked = new ArrayList<>(rows.size());
        for (List<ChangeRecord> row : rows) {
            asked.add(row.stream().map(c -> new SqlStore.RowChange(c.key(), c.operation() == ChangeRecord.Operation.PUT ? c.image() : null))
                    .toList());
        }
        List<List<SqlStore.RowChangeResult>> results = store.writeInOrder(asked);
        List<Decided> out = new ArrayList<>(batch.size());
        for (int i = 0; i < rows.size(); i++) {
            List<ChangeRecord> row = rows.get(i);
            List<SqlStore.RowChangeResult> result = results.get(i);
            for (int j = 0; j < row.size(); j++) {
                out.add(result == null ? decide(row.get(j)) : decided(row.get(j), result.get(j)));
            }
        }
        return out;
    }

    private Decided decided(ChangeRecord c, SqlStore.RowChangeResult r) {
        Optional<String> v = c.operation() == ChangeRecord.Operation.PUT ? version.versionOf(c.image()) : Optional.empty();
        if (r.rejected() != null) {
            if (!DEAD_LETTERED.contains(r.rejected().code())) {
                throw r.rejected();
            }
            return new Decided(c, false, v, null, r.rejected().getMessage());
        }
        Map<String, AttributeValue> stored = !r.wrote() && v.isPresent() && listingConflicts() ? r.held() : null;
        return new Decided(c, r.wrote(), v, stored, null);
    }

    private Decided decide(ChangeRecord c) {
        boolean put = c.operation() == ChangeRecord.Operation.PUT;
        Optional<String> v = put ? version.versionOf(c.image()) : Optional.empty();
        try {
            boolean wrote = put ? store.putIfNewer(c.image(), version) : store.deleteUnversioned(c.key(), version);
            Map<String, AttributeValue> stored = !wrote && v.isPresent() && listingConflicts() ? store.get(c.key()).orElse(null) : null;
            return new Decided(c, wrote, v, stored, null);
        } catch (CutoverException e) {
            if (!DEAD_LETTERED.contains(e.code())) {
                throw e;
            }
            return new Decided(c, false, v, null, e.getMessage());
        }
    }

    private WriteOutcome finish(Decided d) {
        ChangeRecord c = d.change();
        if (d.refusal() != null) {
            deadLetters.accept(store.name(), c.image() != null ? c.image() : c.key(), d.refusal());
            return new WriteOutcome(0, 0, 1);
        }
        if (!d.wrote()) {
            refusedOne();
            if (d.stored() != null) {
                noteIfConflict(c, d.version().get(), d.stored(), store.name(), "the table");
            }
            return new WriteOutcome(1, 0, 0); // handled: SQL holds a value at least as new
        }
        landedOne();
        return new WriteOutcome(1, c.image() == null ? 0 : ItemSize.wire(c.image()), 0);
    }
}
