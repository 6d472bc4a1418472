package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.ItemWriter;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.AdaptiveConcurrency;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.passthrough.BatchWriteBody;
import io.cutover.dynamodb.passthrough.PassThroughBodies;
import io.cutover.dynamodb.passthrough.RawItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes items to a DynamoDB table with BatchWriteItem: batches of at most 25 items and at most
 * {@link #MAX_BATCH_WIRE_BYTES} on the wire, on its own pool of threads so that several batches are
 * in flight. Unprocessed items and throttling go back through the one {@link RetryPolicy} with the
 * shared {@link Throttle} slowed down; a batch the service rejects as invalid is written item by item,
 * and an item that still fails goes to the dead-letter sink with the service's reason.
 *
 * <p>Thread-safe. {@link #write} returns at once; the future completes when the target acknowledged.
 */
public final class DynamoDbBatchWriter implements TargetWriter {
    /** BatchWriteItem's item limit. */
    public static final int MAX_BATCH_ITEMS = 25;
    /** Under the 16 MB request limit, with room for the request's own envelope. */
    public static final long MAX_BATCH_WIRE_BYTES = 15L * 1024 * 1024;

    private final DynamoDbClient client;
    private final String table;
    private final Throttle throttle;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;
    private final DeadLetterSink deadLetters;
    private final ExecutorService pool;
    private final LongAdder retries = new LongAdder();
    private final LongAdder throttles = new LongAdder();
    private final RetryListener listener;
    private final LongConsumer onBatchDone;
    private final AdaptiveConcurrency limiter;

    public DynamoDbBatchWriter(DynamoDbClient client, String table, int concurrency, Throttle throttle, RetryPolicy retry,
                               ErrorClassifier classifier, DeadLetterSink deadLetters) {
        this(client, table, AdaptiveConcurrency.forSetting(concurrency), throttle, retry, classifier, deadLetters, n -> { });
    }

    /** A writer whose requests in flight {@code limiter} sets: fixed, or found as it goes (decision 0102). */
    public DynamoDbBatchWriter(DynamoDbClient client, String table, AdaptiveConcurrency limiter, Throttle throttle, RetryPolicy retry,
                               ErrorClassifier classifier, DeadLetterSink deadLetters) {
        this(client, table, limiter, throttle, retry, classifier, deadLetters, n -> { });
    }

    /** @param onBatchDone told, on a writer thread, how many items each finished batch settled (written or dead-lettered) */
    public DynamoDbBatchWriter(DynamoDbClient client, String table, int concurrency, Throttle throttle, RetryPolicy retry,
                               ErrorClassifier classifier, DeadLetterSink deadLetters, LongConsumer onBatchDone) {
        this(client, table, AdaptiveConcurrency.forSetting(concurrency), throttle, retry, classifier, deadLetters, onBatchDone);
    }

    /** @param onBatchDone told, on a writer thread, how many items each finished batch settled (written or dead-lettered) */
    public DynamoDbBatchWriter(DynamoDbClient client, String table, AdaptiveConcurrency limiter, Throttle throttle, RetryPolicy retry,
                               ErrorClassifier classifier, DeadLetterSink deadLetters, LongConsumer onBatchDone) {
        this.onBatchDone = onBatchDone;
        this.limiter = limiter;
        this.client = client;
        this.table = table;
        this.throttle = throttle;
        this.retry = retry;
        this.classifier = classifier;
        this.deadLetters = deadLetters;
        AtomicInteger n = new AtomicInteger();
        // As many threads as requests may be in flight: the pool follows the limit, so no thread waits for a slot.
        java.util.concurrent.ThreadPoolExecutor threads = new java.util.concurrent.ThreadPoolExecutor(limiter.limit(), limiter.limit(),
                60, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cutover-writer-" + table + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        limiter.onLimitChange(limit -> {
            if (limit > threads.getMaximumPoolSize()) {
                threads.setMaximumPoolSize(limit);
                threads.setCorePoolSize(limit);
            } else {
                threads.setCorePoolSize(limit);
                threads.setMaximumPoolSize(limit);
            }
        });
        this.pool = threads;
        this.listener = (failure, attempt) -> {
            retries.increment();
            if (failure.code() == ErrorCode.THROTTLED) {
                throttles.increment();
                throttle.onThrottled();
            }
        };
    }

    @Override
    public CompletableFuture<WriteOutcome> write(List<Map<String, AttributeValue>> items) {
        List<WriteRequest> requests = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            requests.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        return writeRequests(requests);
    }

    /**
     * Writes puts and deletes, at most one per key (BatchWriteItem refuses a key twice in a request);
     * completes when every one was acknowledged or dead-lettered.
     */
    public CompletableFuture<WriteOutcome> writeRequests(List<WriteRequest> requests) {
        List<Batch<WriteRequest>> batches = sizedBatches(requests, DynamoDbBatchWriter::itemOf);
        List<CompletableFuture<WriteOutcome>> futures = new ArrayList<>(batches.size());
        for (Batch<WriteRequest> batch : batches) {
            futures.add(CompletableFuture.supplyAsync(() -> {
                WriteOutcome outcome = writeBatch(batch.items(), batch.billedBytes());
                onBatchDone.accept(outcome.written() + outcome.deadLettered());
                return outcome;
            }, pool));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).reduce(WriteOutcome.NONE, WriteOutcome::plus));
    }

    /** The item a put writes, or the key a delete removes. */
    static Map<String, AttributeValue> itemOf(WriteRequest r) {
        return r.putRequest() != null ? r.putRequest().item() : r.deleteRequest().key();
    }

    /** Splits items into batches that respect both the item count and the request size limits. */
    static List<List<Map<String, AttributeValue>>> batches(List<Map<String, AttributeValue>> items) {
        return batches(items, item -> item);
    }

    static <T> List<List<T>> batches(List<T> items, java.util.function.Function<T, Map<String, AttributeValue>> itemOf) {
        return sizedBatches(items, itemOf).stream().map(Batch::items).toList();
    }

    /** One BatchWriteItem's requests and the billed bytes of their items. */
    record Batch<T>(List<T> items, long billedBytes) {
    }

    /**
     * An item's wire size (JSON with type tags, escapes, base64) is at most this many times its billed size, plus
     * {@link #WIRE_SLACK}: a character escaped as a six-byte unicode escape is 6 bytes for 1, a NULL list element 14 for 1.
     */
    private static final long WIRE_PER_BILLED = 16;
    private static final long WIRE_SLACK = 1024;

    /**
     * Splits into batches under both limits, sizing each item once (its billed size, which the outcome reports). The
     * exact wire size is worked out only when the bound of a batch could reach the request limit (items of hundreds of
     * KB), and then for every item of that batch, so batches of large items are still filled up to the limit; for the
     * common small item it is never computed (it cost a quarter of the copy's client CPU: issue 16).
     */
    static <T> List<Batch<T>> sizedBatches(List<T> items, java.util.function.Function<T, Map<String, AttributeValue>> itemOf) {
        List<Batch<T>> out = new ArrayList<>();
        List<T> current = new ArrayList<>(MAX_BATCH_ITEMS);
        long currentWire = 0;
        long currentBilled = 0;
        boolean exact = false;
        for (T item : items) {
            Map<String, AttributeValue> m = itemOf.apply(item);
            long billed = ItemSize.billed(m);
            long size = exact ? ItemSize.wire(m) : WIRE_PER_BILLED * billed + WIRE_SLACK;
            if (!exact && currentWire + size > MAX_BATCH_WIRE_BYTES) {
                exact = true; // the bound could break the limit: size this batch exactly
                currentWire = 0;
                for (T earlier : current) {
                    currentWire += ItemSize.wire(itemOf.apply(earlier));
                }
                size = ItemSize.wire(m);
            }
            if (!current.isEmpty() && (current.size() == MAX_BATCH_ITEMS || currentWire + size > MAX_BATCH_WIRE_BYTES)) {
                out.add(new Batch<>(current, currentBilled));
                current = new ArrayList<>(MAX_BATCH_ITEMS);
                currentWire = 0;
                currentBilled = 0;
                if (exact) {
                    exact = false;
                    size = WIRE_PER_BILLED * billed + WIRE_SLACK;
                    if (size > MAX_BATCH_WIRE_BYTES) {
                        exact = true;
                        size = ItemSize.wire(m);
                    }
                }
            }
            current.add(item);
            currentWire += size;
            currentBilled += billed;
        }
        if (!current.isEmpty()) {
            out.add(new Batch<>(current, currentBilled));
        }
        return out;
    }

    private WriteOutcome writeBatch(List<WriteRequest> batch, long billedBytes) {
        return writeBatch(batch, billedBytes, now -> {
            BatchWriteItemResponse resp = client.batchWriteItem(b -> b.requestItems(Map.of(table, now)));
            return resp.hasUnprocessedItems() ? resp.unprocessedItems().getOrDefault(table, List.of()) : List.of();
        }, this::writeOneByOne);
    }

    /** Sends one BatchWriteItem of {@code now} and returns what the service left unprocessed. */
    private interface BatchCall<T> {
        List<T> send(List<T> now);
    }

    /**
     * One batch through the throttle, the concurrency limit and the one retry policy, whatever form its items
     * take: unprocessed items are sent again (as throttling), a batch the service refuses goes {@code oneByOne}.
     */
    private <T> WriteOutcome writeBatch(List<T> batch, long billedBytes, BatchCall<T> call,
                                        java.util.function.Function<List<T>, WriteOutcome> oneByOne) {
        try {
            throttle.acquire(batch.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "write to " + table + " interrupted", e);
        }
        List<List<T>> pending = new ArrayList<>(List.of(batch));
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "write to " + table + " interrupted", e);
        }
        boolean[] throttledHere = new boolean[1];
        RetryListener counted = (failure, attempt) -> {
            if (failure.code() == ErrorCode.THROTTLED) {
                throttledHere[0] = true;
            }
            listener.onRetry(failure, attempt);
        };
        long started = System.nanoTime();
        try {
            retry.execute("BatchWriteItem " + table, attempt -> {
                List<T> now = pending.get(0);
                List<T> left = call.send(now);
                if (left.isEmpty()) {
                    return null;
                }
                if (left.size() < now.size()) {
                    attempt.progressed();
                }
                pending.set(0, left);
                throw new CutoverException(ErrorCode.THROTTLED, table + " returned " + left.size() + " unprocessed items");
            }, classifier, counted);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.REJECTED) {
                throw e;
            }
            return oneByOne.apply(batch);
        } finally {
            limiter.release(System.nanoTime() - started, throttledHere[0]);
        }
        return new WriteOutcome(batch.size(), billedBytes, 0);
    }

    /**
     * Writes raw items (the pass-through path, decision 0220): each BatchWriteItem body is built from the items'
     * bytes as the source sent them; the client must carry {@link PassThroughBodies}. Batches, retries, throttling,
     * unprocessed items and dead letters are those of {@link #write}, and so is the accounting: each item counts its
     * billed size once, when the target acknowledged it.
     */
    public CompletableFuture<WriteOutcome> writeRaw(List<RawItem> items) {
        List<List<RawItem>> batches = rawBatches(table, items);
        List<CompletableFuture<WriteOutcome>> futures = new ArrayList<>(batches.size());
        for (List<RawItem> batch : batches) {
            long billed = 0;
            for (RawItem item : batch) {
                billed += item.billed();
            }
            long billedBytes = billed;
            futures.add(CompletableFuture.supplyAsync(() -> {
                WriteOutcome outcome = writeBatch(batch, billedBytes, this::sendRaw, this::writeRawOneByOne);
                onBatchDone.accept(outcome.written() + outcome.deadLettered());
                return outcome;
            }, pool));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).reduce(WriteOutcome.NONE, WriteOutcome::plus));
    }

    /** This writer as the pass-through path's {@link ItemWriter}; closing it closes this writer. */
    public ItemWriter<RawItem> rawItems() {
        DynamoDbBatchWriter writer = this;
        return new ItemWriter<>() {
            @Override
            public CompletableFuture<WriteOutcome> write(List<RawItem> items) {
                return writer.writeRaw(items);
            }

            @Override
            public long retries() {
                return writer.retries();
            }

            @Override
            public long throttles() {
                return writer.throttles();
            }

            @Override
            public void close() {
                writer.close();
            }
        };
    }

    /** Batches of at most 25 items whose body, exactly sized from the items' bytes, stays under the request limit. */
    static List<List<RawItem>> rawBatches(String table, List<RawItem> items) {
        List<List<RawItem>> out = new ArrayList<>();
        List<RawItem> current = new ArrayList<>(MAX_BATCH_ITEMS);
        long envelope = BatchWriteBody.envelope(table);
        long size = envelope;
        for (RawItem item : items) {
            long itemSize = BatchWriteBody.PER_ITEM + item.length();
            if (!current.isEmpty() && (current.size() == MAX_BATCH_ITEMS || size + itemSize > MAX_BATCH_WIRE_BYTES)) {
                out.add(current);
                current = new ArrayList<>(MAX_BATCH_ITEMS);
                size = envelope;
            }
            current.add(item);
            size += itemSize;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private List<RawItem> sendRaw(List<RawItem> now) {
        PassThroughBodies.Exchange exchange = PassThroughBodies.Exchange.sending(BatchWriteBody.of(table, now));
        // The request object names the table (with no items: the body is ours), so that interceptors that look at requests, a
        // user's audit or metrics and the IAM recorder of the tests, see a BatchWriteItem on this table as IAM authorizes it.
        BatchWriteItemResponse resp = client.batchWriteItem(BatchWriteItemRequest.builder().requestItems(Map.of(table, List.of()))
                .overrideConfiguration(o -> o.putExecutionAttribute(PassThroughBodies.EXCHANGE, exchange)).build());
        exchange.checkSent();
        List<WriteRequest> left = resp.hasUnprocessedItems() ? resp.unprocessedItems().getOrDefault(table, List.of()) : List.of();
        if (left.isEmpty()) {
            return List.of();
        }
        // Rare (throttling): match what the service handed back to our items by key, so each is still counted once.
        Map<Map<String, AttributeValue>, RawItem> byKey = new java.util.HashMap<>();
        for (RawItem item : now) {
            byKey.put(item.key(), item);
        }
        java.util.Set<String> keyNames = now.get(0).key().keySet();
        List<RawItem> unprocessed = new ArrayList<>(left.size());
        for (WriteRequest r : left) {
            Map<String, AttributeValue> item = itemOf(r);
            Map<String, AttributeValue> key = new java.util.HashMap<>();
            for (String k : keyNames) {
                key.put(k, item.get(k));
            }
            RawItem raw = byKey.get(key);
            unprocessed.add(raw != null ? raw : RawItem.of(item, keyNames));
        }
        return unprocessed;
    }

    /** A batch the service refused: its items as attribute values, through the object path's one-by-one writes. */
    private WriteOutcome writeRawOneByOne(List<RawItem> batch) {
        List<WriteRequest> requests = new ArrayList<>(batch.size());
        for (RawItem item : batch) {
            requests.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item.toAttributeValues()).build()).build());
        }
        return writeOneByOne(requests);
    }

    /** Finds the request(s) the service rejects, writes the rest, and dead-letters the rejected ones. */
    private WriteOutcome writeOneByOne(List<WriteRequest> batch) {
        WriteOutcome outcome = WriteOutcome.NONE;
        for (WriteRequest request : batch) {
            Map<String, AttributeValue> item = itemOf(request);
            try {
                if (request.putRequest() != null) {
                    PutItemRequest put = PutItemRequest.builder().tableName(table).item(item).build();
                    retry.execute("PutItem " + table, attempt -> client.putItem(put), classifier, listener);
                } else {
                    retry.execute("DeleteItem " + table, attempt -> client.deleteItem(b -> b.tableName(table).key(item)), classifier, listener);
                }
                outcome = outcome.plus(new WriteOutcome(1, ItemSize.billed(item), 0));
            } catch (CutoverException e) {
                if (e.code() != ErrorCode.REJECTED) {
                    throw e;
                }
                deadLetters.accept(table, item, (request.putRequest() != null ? "" : "delete of this key: ") + e.getMessage());
                outcome = outcome.plus(new WriteOutcome(0, 0, 1));
            }
        }
        return outcome;
    }

    /** The limit of requests in flight now, and the highest it reached (equal and constant when fixed). */
    public int concurrencyLimit() {
        return limiter.limit();
    }

    public int concurrencyPeak() {
        return limiter.peak();
    }

    @Override
    public long retries() {
        return retries.sum();
    }

    @Override
    public long throttles() {
        return throttles.sum();
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }
}
