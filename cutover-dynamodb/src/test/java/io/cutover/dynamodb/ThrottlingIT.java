package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.CopyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Throttling and UnprocessedItems injected at the SDK level, on the real HTTP path to DynamoDB Local:
 * nothing may be lost, and the throttle must notice.
 */
class ThrottlingIT {
    @TempDir
    Path state;

    /** Every 5th BatchWriteItem fails with a throttling error; every 3rd sends only half its items and reports the rest unprocessed. */
    static final class FlakyTarget implements ExecutionInterceptor {
        static final ExecutionAttribute<List<WriteRequest>> WITHHELD = new ExecutionAttribute<>("cutover.withheld");
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger throttled = new AtomicInteger();
        final AtomicInteger withheld = new AtomicInteger();

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            if (!(context.request() instanceof BatchWriteItemRequest request)) {
                return context.request();
            }
            int n = calls.incrementAndGet();
            if (n % 5 == 0) {
                throttled.incrementAndGet();
                throw ProvisionedThroughputExceededException.builder().statusCode(400).message("injected throttle")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                                .errorMessage("injected throttle").build()).build();
            }
            String table = request.requestItems().keySet().iterator().next();
            List<WriteRequest> all = request.requestItems().get(table);
            if (n % 3 == 0 && all.size() > 1) {
                int half = all.size() / 2;
                attributes.putAttribute(WITHHELD, new ArrayList<>(all.subList(half, all.size())));
                withheld.addAndGet(all.size() - half);
                return request.toBuilder().requestItems(Map.of(table, new ArrayList<>(all.subList(0, half)))).build();
            }
            return request;
        }

        @Override
        public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
            List<WriteRequest> held = attributes.getAttribute(WITHHELD);
            if (held == null || !(context.response() instanceof BatchWriteItemResponse response)
                    || !(context.request() instanceof BatchWriteItemRequest request)) {
                return context.response();
            }
            String table = request.requestItems().keySet().iterator().next();
            Map<String, List<WriteRequest>> unprocessed = new LinkedHashMap<>(response.unprocessedItems());
            List<WriteRequest> merged = new ArrayList<>(unprocessed.getOrDefault(table, List.of()));
            merged.addAll(held);
            unprocessed.put(table, merged);
            return response.toBuilder().unprocessedItems(unprocessed).build();
        }
    }

    @Test
    void retriesThrottlingAndUnprocessedItemsWithoutLosingAny() {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        String src = LocalTables.uniqueName("throttled");
        String dst = src + "-copy";
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 3_000, new SampleItems(8, 100, false)::item);
        FlakyTarget flaky = new FlakyTarget();
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                DynamoDbEndpoint.local("target", db.endpoint())).table(src, dst).stateDir(state).build();

        CopyResult result;
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, CopyProgress.NONE,
                new RetryPolicy(10, Duration.ofMillis(1), Duration.ofMillis(50)), List.of(flaky))) {
            result = copier.run();
        }

        assertEquals("completed", result.status());
        assertEquals(3_000, result.items());
        assertTrue(flaky.throttled.get() > 0 && flaky.withheld.get() > 0, "the interceptor must have injected faults");
        assertTrue(result.throttles() >= flaky.throttled.get(), "every injected throttle is counted: " + result.throttles());
        assertTrue(result.retries() >= flaky.throttled.get() + 1, "retries counted: " + result.retries());
        TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
        assertTrue(cmp.identical(), cmp.toString());
        assertEquals(3_000, cmp.targetItems());
    }
}
