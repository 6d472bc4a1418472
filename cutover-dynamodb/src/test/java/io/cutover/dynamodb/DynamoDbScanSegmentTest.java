package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbScanSegmentTest {
    private static DynamoDbScanSegment segment(boolean consistent) {
        return new DynamoDbScanSegment(null, "t", 1, 4, 1000, consistent, RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(DynamoDbEndpoint.local("source", java.net.URI.create("http://localhost:1"))), RetryListener.NONE);
    }

    @Test
    void aLiveMigrationsBackfillScansWithConsistentReadOnEveryPage() {
        assertTrue(segment(true).request(null).consistentRead());
        assertTrue(segment(true).request(new ScanPosition(Map.of("pk", AttributeValue.fromS("a")))).consistentRead());
    }

    @Test
    void aPlainCopyScansEventuallyConsistent() {
        assertFalse(segment(false).request(null).consistentRead());
    }
}
