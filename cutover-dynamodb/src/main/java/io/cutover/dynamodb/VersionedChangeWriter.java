package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.core.version.VersionAttribute;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Applies changes to a DynamoDB table under the version rule
 * (docs/decisions/0070-versioned-writes-and-the-version-rule.md): each change is one conditional
 * PutItem or DeleteItem that lands only when it is newer than what the table holds, so a late,
 * repeated or reordered change can never move a key backwards, whoever wrote the newer value (the
 * application through {@code MigratingStore}, or the other direction's applier).
 *
 * <ul>
 *   <li>A put carrying a version lands where the stored item has no version or an older one.</li>
 *   <li>A put or delete carrying none (made outside the store, or the bulk copy's items) lands only on an
 *       unversioned item: an unversioned value is older than every versioned one.</li>
 *   <li>A delete made through the store travels as a tombstone put (versioned), so it needs no rule of its own.</li>
 * </ul>
 *
 * A change refused by its condition was superseded by a newer value: counted in {@link #olderRefused} (and as
 * handled in the outcome), never written. BatchWriteItem takes no conditions, so this writer sends single-item requests, {@code concurrency} at
 * a time, each through the one {@link RetryPolicy}; a change the service rejects goes to the dead-letter sink.
 *
 * <p>{@link #apply} is called from the applier's one thread and blocks until every change is acknowledged.
 */
public final class VersionedChangeWriter extends io.cutover.core.apply.ConcurrentVersionedWriter {
    private final DynamoDbClient client;
    private final String table;
    private final Throttle throttle;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;
    private final DeadLetterSink deadLetters;

    public VersionedChangeWriter(DynamoDbClient client, String table, VersionAttribute version, int concurrency, Throttle throttle,
                                 RetryPolicy retry, ErrorClassifier classifier, DeadLetterSink deadLetters) {
        super(version, concurrency, "cutover-versioned-apply-" + table);
        this.client = client;
        this.table = table;
        this.throttle = throttle;
        this.retry = retry;
        this.classifier = classifier;
        this.deadLetters = deadLetters;
    }

    @Override
    protected WriteOutcome applyOne(ChangeRecord c) {
        Optional<String> v = c.operation() == ChangeRecord.Operation.PUT ? version.versionOf(c.image()) : Optional.empty();
        String condition = v.isPresent() ? VersionAttribute.NEWER : VersionAttribute.UNVERSIONED_ONLY;
        Map<String, AttributeValue> values = v.map(version::values).orElse(null);
        long bytes = c.image() == null ? 0 : ItemSize.wire(c.image());
        try {
            boolean wrote = retry.execute(c.operation() + " " + table, attempt -> {
                throttle.acquire(1);
                try {
                    if (c.operation() == ChangeRecord.Operation.PUT) {
                        client.putItem(b -> b.tableName(table).item(c.image()).conditionExpression(condition)
                                .expressionAttributeNames(version.names()).expressionAttributeValues(values));
                    } else {
                        client.deleteItem(b -> b.tableName(table).key(c.key()).conditionExpression(condition)
                                .expressionAttributeNames(version.names()));
                    }
                    return true;
                } catch (ConditionalCheckFailedException newer) {
                    return false;
                }
            }, classifier, (failure, n) -> {
                if (failure.code() == ErrorCode.THROTTLED) {
                    throttle.onThrottled();
                }
            });
            if (!wrote) {
                refusedOne();
                if (v.isPresent() && listingConflicts()) {
                    noteIfConflict(c, v.get(), stored(c.key()), table, "the table");
                }
                // Handled: the table holds a value at least as new. Counted as written so that captured = applied +
                // superseded + dead-lettered still holds; olderRefused() says how many of them were refused.
                return new WriteOutcome(1, 0, 0);
            }
            landedOne();
            return new WriteOutcome(1, bytes, 0);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.REJECTED) {
                throw e;
            }
            deadLetters.accept(table, c.image() != null ? c.image() : c.key(), e.getMessage());
            return new WriteOutcome(0, 0, 1);
        }
    }

    /**
     * The item the table holds now, read strongly consistent, to tell a conflict from an echo. A read, not
     * {@code ReturnValuesOnConditionCheckFailure}: DynamoDB Local 3.1 emits a stream record for a refused put that asks
     * for the old item, which the other direction then offers back (a loop; see docs/decisions/0074).
     */
    private Map<String, AttributeValue> stored(Map<String, AttributeValue> key) {
        return retry.execute("GetItem " + table, attempt -> client.getItem(b -> b.tableName(table).key(key).consistentRead(true)).item(),
                classifier, RetryListener.NONE);
    }
}
