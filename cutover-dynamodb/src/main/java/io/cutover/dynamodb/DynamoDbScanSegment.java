package io.cutover.dynamodb;

import io.cutover.core.copy.ItemPage;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.passthrough.PassThroughBodies;
import io.cutover.dynamodb.passthrough.RawItem;
import io.cutover.dynamodb.passthrough.RawScanPage;
import io.cutover.dynamodb.passthrough.RawScanParser;
import java.util.Collection;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * One segment of a parallel Scan of the source table, as a unit of bulk work with its own
 * checkpoint. Pages are capped at {@code pageLimit} items: with 1 MB pages, DynamoDB Local spends far
 * more time per page the further the page is from the end of the table.
 */
public final class DynamoDbScanSegment implements SnapshotUnit {
    private final DynamoDbClient client;
    private final String table;
    private final int segment;
    private final int totalSegments;
    private final int pageLimit;
    private final boolean consistentRead;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;
    private final RetryListener listener;

    public DynamoDbScanSegment(DynamoDbClient client, String table, int segment, int totalSegments, int pageLimit,
                               RetryPolicy retry, ErrorClassifier classifier, RetryListener listener) {
        this(client, table, segment, totalSegments, pageLimit, false, retry, classifier, listener);
    }

    /** @param consistentRead read with ConsistentRead (a live migration's backfill, at the boundary with capture) */
    public DynamoDbScanSegment(DynamoDbClient client, String table, int segment, int totalSegments, int pageLimit, boolean consistentRead,
                               RetryPolicy retry, ErrorClassifier classifier, RetryListener listener) {
        this.consistentRead = consistentRead;
        this.client = client;
        this.table = table;
        this.segment = segment;
        this.totalSegments = totalSegments;
        this.pageLimit = pageLimit;
        this.retry = retry;
        this.classifier = classifier;
        this.listener = listener;
    }

    public static String unitId(int segment, int totalSegments) {
        return String.format("segment-%05d-of-%05d", segment, totalSegments);
    }

    @Override
    public String id() {
        return unitId(segment, totalSegments);
    }

    @Override
    public Page readPage(Position after) {
        ScanRequest request = request(after);
        ScanResponse resp = retry.execute("Scan " + table + " " + id(), attempt -> client.scan(request), classifier, listener);
        boolean more = resp.hasLastEvaluatedKey() && !resp.lastEvaluatedKey().isEmpty();
        return new Page(resp.items(), more ? new ScanPosition(resp.lastEvaluatedKey()) : null);
    }

    /**
     * The same segment read for the pass-through path (decision 0220): each page's response body is kept
     * as bytes and its items as slices of it, with their keys and billed sizes; no attribute values are
     * built. The client must carry {@link PassThroughBodies}.
     *
     * @param keyNames the table's key attributes
     */
    public ItemUnit<RawItem> passThrough(Collection<String> keyNames) {
        List<String> keys = List.copyOf(keyNames);
        DynamoDbScanSegment segment = this;
        return new ItemUnit<>() {
            @Override
            public String id() {
                return segment.id();
            }

            @Override
            public ItemPage<RawItem> readItems(Position after) {
                ScanRequest base = request(after);
                RawScanPage page = retry.execute("Scan " + table + " " + id(), attempt -> {
                    PassThroughBodies.Exchange exchange = PassThroughBodies.Exchange.capturing();
                    client.scan(base.toBuilder().overrideConfiguration(o -> o.putExecutionAttribute(PassThroughBodies.EXCHANGE, exchange))
                            .build());
                    return RawScanParser.parse(exchange.responseBody(), exchange.responseLength(), keys);
                }, classifier, listener);
                boolean more = !page.lastEvaluatedKey().isEmpty();
                return new ItemPage<>(page.items(), more ? new ScanPosition(page.lastEvaluatedKey()) : null);
            }

            @Override
            public Position decode(String encoded) {
                return segment.decode(encoded);
            }
        };
    }

    /** The Scan request for the page after {@code after} (null: the first). */
    ScanRequest request(Position after) {
        ScanRequest.Builder req = ScanRequest.builder().tableName(table).limit(pageLimit).consistentRead(consistentRead);
        if (totalSegments > 1) {
            req.segment(segment).totalSegments(totalSegments);
        }
        if (after != null) {
            req.exclusiveStartKey(((ScanPosition) after).lastEvaluatedKey());
        }
        return req.build();
    }

    @Override
    public Position decode(String encoded) {
        return ScanPosition.decode(encoded);
    }
}
