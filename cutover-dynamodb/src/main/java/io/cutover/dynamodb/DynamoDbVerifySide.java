package io.cutover.dynamodb;

import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.verify.VerifySide;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/** A DynamoDB table as one side of a verification: parallel Scan segments, and consistent GetItem lookups. */
public final class DynamoDbVerifySide implements VerifySide {
    private final DynamoDbClient client;
    private final DynamoDbEndpoint endpoint;
    private final String table;
    private final long estimatedItems;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;
    private final int pageSize;

    public DynamoDbVerifySide(DynamoDbClient client, DynamoDbEndpoint endpoint, String table, long estimatedItems, RetryPolicy retry,
                              int pageSize) {
        this.client = client;
        this.endpoint = endpoint;
        this.table = table;
        this.estimatedItems = estimatedItems;
        this.retry = retry;
        this.classifier = new DynamoDbErrorClassifier(endpoint);
        this.pageSize = pageSize;
    }

    @Override
    public String describe() {
        return endpoint.role() + " table " + table + " at " + endpoint.describe();
    }

    @Override
    public List<DynamoDbScanSegment> units(int segments) {
        List<DynamoDbScanSegment> units = new ArrayList<>(segments);
        for (int s = 0; s < segments; s++) {
            units.add(new DynamoDbScanSegment(client, table, s, segments, pageSize, retry, classifier, RetryListener.NONE));
        }
        return units;
    }

    @Override
    public Map<String, AttributeValue> lookup(Map<String, AttributeValue> key) {
        GetItemResponse r = retry.execute("GetItem " + table, a -> client.getItem(b -> b.tableName(table).key(key).consistentRead(true)),
                classifier, RetryListener.NONE);
        return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
    }

    /** DynamoDB scales with requests in flight: left to Cutover, the verifier finds how many segments to read at once. */
    @Override
    public boolean adaptiveReads() {
        return true;
    }

    @Override
    public long estimatedItems() {
        return estimatedItems;
    }
}
