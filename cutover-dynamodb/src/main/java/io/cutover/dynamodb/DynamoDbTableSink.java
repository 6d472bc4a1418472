package io.cutover.dynamodb;

import io.cutover.core.apply.ChangeWriter;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.engine.SinkConnector;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.core.version.VersionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A DynamoDB table as the side a live migration writes (docs/decisions/0240-one-engine.md): batched writes for the
 * backfill and for unconditional live changes, conditional writes under the version rule otherwise. How the table is
 * made ready is the source's business (its schema comes from the source's mapping), so it is given.
 *
 * @param bulkRetry the retries of the batch writer (the backfill and unconditional changes)
 * @param liveRetry the retries of the versioned writer
 * @param preparation creates the table or checks the one there; idempotent
 */
public record DynamoDbTableSink(DynamoDbClient client, DynamoDbEndpoint endpoint, String table, int writeConcurrency, double maxWriteRate,
                                RetryPolicy bulkRetry, RetryPolicy liveRetry, Runnable preparation) implements SinkConnector {
    @Override
    public void prepare() {
        preparation.run();
    }

    @Override
    public TargetWriter bulkWriter(DeadLetterSink deadLetters) {
        return new DynamoDbBatchWriter(client, table, writeConcurrency, new Throttle(maxWriteRate), bulkRetry,
                new DynamoDbErrorClassifier(endpoint), deadLetters);
    }

    @Override
    public ChangeWriter unconditionalWriter(TargetWriter bulk) {
        return new DynamoDbChangeWriter((DynamoDbBatchWriter) bulk);
    }

    @Override
    public VersionedWriter versionedWriter(VersionAttribute rule, DeadLetterSink deadLetters) {
        return new VersionedChangeWriter(client, table, rule, writeConcurrency, new Throttle(maxWriteRate), liveRetry,
                new DynamoDbErrorClassifier(endpoint), deadLetters);
    }
}
