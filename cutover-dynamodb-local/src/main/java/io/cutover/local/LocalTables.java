package io.cutover.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Test and demo chores against a DynamoDB Local: one shared in-process server per JVM, unique table
 * names, a plain client, and a parallel loader. Not used by the engine itself.
 */
public final class LocalTables {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static LocalDynamoDb shared;

    private LocalTables() {
    }

    /** One in-process server for the whole JVM (test suites share it; each test uses its own tables). */
    public static synchronized LocalDynamoDb shared() {
        if (shared == null) {
            shared = LocalDynamoDb.startInProcess();
            LocalDynamoDb s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    /** A table name no other test in this JVM uses. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    public static DynamoDbClient client(LocalDynamoDb db) {
        return client(db.endpoint());
    }

    /** A client of the DynamoDB Local at {@code endpoint} (for a child process given the endpoint of its parent's server). */
    public static DynamoDbClient client(java.net.URI endpoint) {
        return DynamoDbClient.builder().endpointOverride(endpoint).region(Region.of(LocalDynamoDb.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LocalDynamoDb.ACCESS_KEY, LocalDynamoDb.SECRET_KEY)))
                .build();
    }

    public static void create(DynamoDbClient client, CreateTableRequest request) {
        client.createTable(request);
        client.waiter().waitUntilTableExists(b -> b.tableName(request.tableName()));
    }

    /** Writes items {@code 0..count-1} with 8 threads of 25-item batches, retrying unprocessed items. */
    public static void load(DynamoDbClient client, String table, long count, LongFunction<Map<String, AttributeValue>> items) {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (long start = 0; start < count; start += 25) {
                long from = start;
                futures.add(pool.submit(() -> {
                    List<WriteRequest> batch = new ArrayList<>(25);
                    for (long i = from; i < Math.min(count, from + 25); i++) {
                        batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(items.apply(i)).build()).build());
                    }
                    writeAll(client, table, batch);
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("loading " + table + " failed: " + e, e);
        } finally {
            pool.shutdown();
        }
    }

    /** Writes one batch, retrying its unprocessed items until none are left (no backoff: for tests and baselines). */
    public static void writeAll(DynamoDbClient client, String table, List<WriteRequest> batch) {
        List<WriteRequest> pending = batch;
        while (!pending.isEmpty()) {
            List<WriteRequest> now = pending;
            BatchWriteItemResponse r = client.batchWriteItem(b -> b.requestItems(Map.of(table, now)));
            pending = r.hasUnprocessedItems() ? r.unprocessedItems().getOrDefault(table, List.of()) : List.of();
        }
    }
}
