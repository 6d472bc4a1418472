package io.cutover.core.copy;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes items to the target. The future completes only when the target acknowledged every item,
 * or the item was dead-lettered with its reason; it completes exceptionally with a
 * {@link io.cutover.core.CutoverException} when the write cannot go on (retries exhausted, a
 * non-retryable error), in which case nothing about those items may be checkpointed.
 *
 * <p>Threading: {@link #write} is called from many threads at once and does not block for long: it
 * hands the work to the writer's own threads. Retries and throttling happen inside, through the one
 * {@link io.cutover.core.retry.RetryPolicy}.
 */
public interface TargetWriter extends ItemWriter<Map<String, AttributeValue>> {
}
