package io.cutover.dynamodb;

import io.cutover.core.copy.ItemPage;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.copy.Position;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.verify.CanonicalForm;
import io.cutover.core.verify.ItemHasher;
import io.cutover.core.verify.VerifySide;
import io.cutover.dynamodb.passthrough.RawItem;
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
    private final boolean passThrough;

    public DynamoDbVerifySide(DynamoDbClient client, DynamoDbEndpoint endpoint, String table, long estimatedItems, RetryPolicy retry,
                              int pageSize) {
        this(client, endpoint, table, estimatedItems, retry, pageSize, false);
    }

    private DynamoDbVerifySide(DynamoDbClient client, DynamoDbEndpoint endpoint, String table, long estimatedItems, RetryPolicy retry,
                               int pageSize, boolean passThrough) {
        this.passThrough = passThrough;
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

    /**
     * This side read on the pass-through path (decision 0220, issue 16): each Scan page stays bytes and each item's canonical
     * text is made from its DynamoDB JSON, without the SDK building attribute values for it. The client must carry
     * {@link io.cutover.dynamodb.passthrough.PassThroughBodies}.
     */
    public DynamoDbVerifySide passThrough() {
        return new DynamoDbVerifySide(client, endpoint, table, estimatedItems, retry, pageSize, true);
    }

    @Override
    public List<? extends ItemUnit<CanonicalForm>> canonicalUnits(int segments, ItemHasher hasher) {
        if (!passThrough) {
            return VerifySide.super.canonicalUnits(segments, hasher);
        }
        List<ItemUnit<CanonicalForm>> units = new ArrayList<>(segments);
        for (DynamoDbScanSegment segment : units(segments)) {
            ItemUnit<RawItem> raw = segment.passThrough(hasher.keyAttributes());
            units.add(new ItemUnit<>() {
                @Override
                public String id() {
                    return raw.id();
                }

                @Override
                public ItemPage<CanonicalForm> readItems(Position after) {
                    ItemPage<RawItem> page = raw.readItems(after);
                    List<CanonicalForm> forms = new ArrayList<>(page.items().size());
                    for (RawItem item : page.items()) {
                        Map<String, AttributeValue> key = hasher.key(item.key()); // in key-schema order, as the object path gives it
                        forms.add(new CanonicalForm(key, CanonicalItem.of(key), CanonicalItem.utf8OfJson(item.page(), item.offset(), item.length())));
                    }
                    return new ItemPage<>(forms, page.next());
                }

                @Override
                public Position decode(String encoded) {
                    return raw.decode(encoded);
                }
            });
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
