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

    /**
     * The same faults on the pass-through path, where the request's items exist only as bytes: every 5th BatchWriteItem
     * is throttled, every 3rd sends only the first half of the body's items and hands the rest back as unprocessed.
     */
    static final class FlakyRawTarget implements ExecutionInterceptor {
        static final ExecutionAttribute<List<WriteRequest>> WITHHELD = new ExecutionAttribute<>("cutover.withheldRaw");
        static final ExecutionAttribute<Integer> LENGTH = new ExecutionAttribute<>("cutover.withheldRawLength");
        static final ExecutionAttribute<Integer> CALL = new ExecutionAttribute<>("cutover.withheldRawCall");
        static final ExecutionAttribute<String> TABLE = new ExecutionAttribute<>("cutover.withheldRawTable");
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger throttled = new AtomicInteger();
        final AtomicInteger withheld = new AtomicInteger();

        @Override
        public void beforeMarshalling(Context.BeforeMarshalling context, ExecutionAttributes attributes) {
            if (!(context.request() instanceof BatchWriteItemRequest)) {
                return;
            }
            int n = calls.incrementAndGet();
            attributes.putAttribute(CALL, n);
            if (n % 5 == 0) {
                throttled.incrementAndGet();
                throw ProvisionedThroughputExceededException.builder().statusCode(400).message("injected throttle")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                                .errorMessage("injected throttle").build()).build();
            }
        }

        @Override
        public java.util.Optional<software.amazon.awssdk.core.sync.RequestBody> modifyHttpContent(Context.ModifyHttpRequest context,
                                                                                                  ExecutionAttributes attributes) {
            Integer call = attributes.getAttribute(CALL);
            if (call == null || call % 3 != 0 || context.requestBody().isEmpty()) {
                return context.requestBody();
            }
            try (java.io.InputStream in = context.requestBody().get().contentStreamProvider().newStream()) {
                com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
                com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(in);
                var requestItems = (com.fasterxml.jackson.databind.node.ObjectNode) body.get("RequestItems");
                String table = requestItems.fieldNames().next();
                var all = (com.fasterxml.jackson.databind.node.ArrayNode) requestItems.get(table);
                if (all.size() < 2) {
                    return context.requestBody();
                }
                int half = all.size() / 2;
                List<WriteRequest> held = new ArrayList<>();
                var kept = json.createArrayNode();
                for (int i = 0; i < all.size(); i++) {
                    if (i < half) {
                        kept.add(all.get(i));
                    } else {
                        var item = io.cutover.core.item.DynamoDbJson.readItem(all.get(i).get("PutRequest").get("Item"));
                        held.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
                    }
                }
                requestItems.set(table, kept);
                byte[] bytes = json.writeValueAsBytes(body);
                attributes.putAttribute(WITHHELD, held);
                attributes.putAttribute(TABLE, table);
                attributes.putAttribute(LENGTH, bytes.length);
                withheld.addAndGet(held.size());
                return java.util.Optional.of(software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            Integer length = attributes.getAttribute(LENGTH);
            if (attributes.getAttribute(WITHHELD) == null || length == null) {
                return context.httpRequest();
            }
            return context.httpRequest().toBuilder().putHeader("Content-Length", Integer.toString(length)).build();
        }

        @Override
        public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
            List<WriteRequest> held = attributes.getAttribute(WITHHELD);
            if (held == null || !(context.response() instanceof BatchWriteItemResponse response)) {
                return context.response();
            }
            String table = attributes.getAttribute(TABLE);
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
                DynamoDbEndpoint.local("target", db.endpoint())).table(src, dst).stateDir(state).passThrough(false).build();

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

        // The pass-through path, with the same faults made on its bytes: every item retried and counted once, as above.
        String raw = src + "-raw";
        FlakyRawTarget flakyRaw = new FlakyRawTarget();
        CopyResult passed;
        try (DynamoDbCopier copier = new DynamoDbCopier(CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                DynamoDbEndpoint.local("target", db.endpoint())).table(src, raw).stateDir(state.resolve("raw")).build(), CopyProgress.NONE,
                new RetryPolicy(10, Duration.ofMillis(1), Duration.ofMillis(50)), List.of(flakyRaw))) {
            passed = copier.run();
        }
        assertEquals("completed", passed.status());
        assertTrue(flakyRaw.throttled.get() > 0 && flakyRaw.withheld.get() > 0, "the interceptor must have injected faults");
        assertEquals(result.items(), passed.items(), "each item counted once");
        assertEquals(result.bytes(), passed.bytes(), "each item's bytes counted once");
        assertEquals(0, passed.deadLettered());
        assertTrue(passed.throttles() >= flakyRaw.throttled.get(), "every injected throttle is counted: " + passed.throttles());
        TableComparison.Result rawCmp = TableComparison.compare(client, src, client, raw);
        assertTrue(rawCmp.identical(), rawCmp.toString());
        assertEquals(3_000, rawCmp.targetItems());
    }
}
