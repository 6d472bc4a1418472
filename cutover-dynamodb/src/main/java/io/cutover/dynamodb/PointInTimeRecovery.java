package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Turns on a table's point-in-time recovery ({@code migrate --enable-pitr}, in PREPARE), so that {@code restore --native}
 * can later restore it to any second of the last 35 days. An endpoint that has none (DynamoDB Local) is said so in a
 * warning and the migration carries on (DESIGN.md: such settings never fail the whole run); a retryable failure or
 * refused credentials are thrown as usual.
 */
public final class PointInTimeRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(PointInTimeRecovery.class);

    private PointInTimeRecovery() {
    }

    /** Enables it; empty when done, else a warning saying why it is not on. */
    public static Optional<String> enable(DynamoDbClient client, DynamoDbEndpoint endpoint, String table, RetryPolicy retry) {
        try {
            retry.execute("UpdateContinuousBackups " + table, a -> client.updateContinuousBackups(b -> b.tableName(table)
                    .pointInTimeRecoverySpecification(p -> p.pointInTimeRecoveryEnabled(true))), new DynamoDbErrorClassifier(endpoint),
                    RetryListener.NONE);
            LOG.info("point-in-time recovery is on for {}", table);
            return Optional.empty();
        } catch (CutoverException e) {
            if (e.retryable() || e.code() == io.cutover.core.ErrorCode.CREDENTIALS || e.code() == io.cutover.core.ErrorCode.INTERRUPTED) {
                throw e;
            }
            return Optional.of("--enable-pitr: point-in-time recovery not turned on for " + table + " (" + e.getMessage() + ")"
                    + (endpoint.isLoopback() ? "; DynamoDB Local does not support point-in-time recovery" : "")
                    + "; the migration carries on without it");
        }
    }
}
