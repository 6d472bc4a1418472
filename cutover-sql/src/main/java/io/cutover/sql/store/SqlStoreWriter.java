package io.cutover.sql.store;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The backfill's writer into a SQL table of the other engine (SQL-to-SQL replication, docs/decisions/0200): each page of
 * items goes through the {@link SqlStore} under the version rule, so a copied row never overwrites a newer change that
 * capture already applied, and copying a page again after a {@code kill -9} changes nothing. A value the table cannot hold
 * exactly, or an item the store refuses by its rules, is dead-lettered with the reason.
 *
 * <p>Threading: {@link #write} is called from the copier's threads and returns at once; the page is written on this
 * writer's own pool of {@code concurrency} threads, each row in its own transaction (retried inside the store).
 */
public final class SqlStoreWriter implements TargetWriter {
    private static final Set<ErrorCode> DEAD_LETTERED = Set.of(ErrorCode.REJECTED, ErrorCode.UNSUPPORTED, ErrorCode.CONDITION_FAILED);
    private final SqlStore store;
    private final DeadLetterSink deadLetters;
    private final ExecutorService pool;

    public SqlStoreWriter(SqlStore store, int concurrency, DeadLetterSink deadLetters) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.pool = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, "cutover-sql-bulk-write");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<WriteOutcome> write(List<Map<String, AttributeValue>> items) {
        return CompletableFuture.supplyAsync(() -> {
            WriteOutcome sum = WriteOutcome.NONE;
            for (Map<String, AttributeValue> item : items) {
                sum = sum.plus(writeOne(item));
            }
            return sum;
        }, pool);
    }

    private WriteOutcome writeOne(Map<String, AttributeValue> item) {
        try {
            store.putIfNewer(item, store.versionAttribute());
            return new WriteOutcome(1, ItemSize.wire(item), 0); // written, or the table already holds it at least as new
        } catch (CutoverException e) {
            if (!DEAD_LETTERED.contains(e.code())) {
                throw e;
            }
            deadLetters.accept(store.name(), item, e.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
    }

    @Override
    public long retries() {
        return 0;
    }

    @Override
    public long throttles() {
        return 0;
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
