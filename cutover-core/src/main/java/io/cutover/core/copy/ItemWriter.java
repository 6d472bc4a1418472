package io.cutover.core.copy;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Writes items of type {@code T} to the target, with the contract of {@link TargetWriter} (which is
 * the attribute-map case): the future completes only when the target acknowledged every item or it
 * was dead-lettered with its reason, and fails with a {@link io.cutover.core.CutoverException} when
 * the write cannot go on.
 *
 * <p>Threading: {@link #write} is called from many threads at once and hands the work to the writer's
 * own threads. Retries and throttling happen inside, through the one {@link io.cutover.core.retry.RetryPolicy}.
 */
public interface ItemWriter<T> extends AutoCloseable {
    CompletableFuture<WriteOutcome> write(List<T> items);

    /** Retries made so far (all causes). */
    long retries();

    /** Times the target throttled us so far. */
    long throttles();

    /** Waits for writes in flight, then releases threads and connections. */
    @Override
    void close();
}
