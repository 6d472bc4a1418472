package io.cutover.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
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
        writeInParallel(client, table, (int) ((count + 24) / 25), b -> puts(b * 25L, Math.min(count, b * 25L + 25), items), 8);
    }

    /** Writes {@code items} in 25-item batches from {@code threads} threads. */
    public static void writeInParallel(DynamoDbClient client, String table, List<Map<String, AttributeValue>> items, int threads) {
        writeInParallel(client, table, (items.size() + 24) / 25, b -> puts(b * 25L, Math.min(items.size(), b * 25L + 25),
                i -> items.get((int) i)), threads);
    }

    /**
     * A raw writer, the benchmarks' baseline: {@code threads} threads, each with one BatchWriteItem in flight, take the batches
     * {@code 0..batches-1} in turn ({@code batchAt} builds or looks one up) and write each until nothing is left unprocessed.
     * Nothing else: no throttle, no checkpoint, no size accounting.
     */
    public static void writeInParallel(DynamoDbClient client, String table, int batches, IntFunction<List<WriteRequest>> batchAt, int threads) {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                futures.add(pool.submit(() -> {
                    int b;
                    while ((b = next.getAndIncrement()) < batches) {
                        writeAll(client, table, batchAt.apply(b));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("writing " + table + " was interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("writing " + table + " failed: " + e.getCause(),
                    e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** Put requests of the items {@code from..to-1}. */
    public static List<WriteRequest> puts(long from, long to, LongFunction<Map<String, AttributeValue>> items) {
        List<WriteRequest> batch = new ArrayList<>((int) (to - from));
        for (long i = from; i < to; i++) {
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(items.apply(i)).build()).build());
        }
        return batch;
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
