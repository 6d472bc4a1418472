package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The bulk writer of {@code restore --into-source}: each page of the worked-out state is handed to the
 * {@link RestoreTarget} on one of {@code concurrency} threads, retried through the one {@link RetryPolicy} while the
 * failure is transient. A page the store refuses ({@code REJECTED}: a value with no form in the table) is written item
 * by item, and an item still refused is dead-lettered with the store's reason, so every item is written or
 * dead-lettered, never neither (a checkpoint follows the page's future).
 */
public final class RestoreTargetWriter implements TargetWriter {
    private final RestoreTarget target;
    private final ExecutorService pool;
    private final DeadLetterSink dead;
    private final LongConsumer written;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final AtomicLong retries = new AtomicLong();

    public RestoreTargetWriter(RestoreTarget target, int concurrency, DeadLetterSink dead, LongConsumer written) {
        this.target = target;
        this.dead = dead;
        this.written = written;
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "restore-into-source");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<WriteOutcome> write(List<Map<String, AttributeValue>> items) {
        if (items.isEmpty()) {
            return CompletableFuture.completedFuture(WriteOutcome.NONE);
        }
        return CompletableFuture.supplyAsync(() -> writePage(items), pool);
    }

    private WriteOutcome writePage(List<Map<String, AttributeValue>> items) {
        try {
            attempt(items);
            written.accept(items.size());
            return new WriteOutcome(items.size(), 0, 0);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.REJECTED || items.size() == 1) {
                if (e.code() == ErrorCode.REJECTED) {
                    dead.accept(target.describe(), items.get(0), e.getMessage());
                    written.accept(1);
                    return new WriteOutcome(0, 0, 1);
                }
                throw e;
            }
        }
        WriteOutcome out = WriteOutcome.NONE;
        for (Map<String, AttributeValue> item : items) {
            out = out.plus(writePage(List.of(item)));
        }
        return out;
    }

    private void attempt(List<Map<String, AttributeValue>> items) {
        retry.execute("write to " + target.describe(), a -> {
            target.write(items);
            return null;
        }, e -> new CutoverException(ErrorCode.INTERNAL, "write to " + target.describe() + ": " + e, e), (failure, n) -> retries.incrementAndGet());
    }

    @Override
    public long retries() {
        return retries.get();
    }

    @Override
    public long throttles() {
        return 0;
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
