package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Stream capture into the change log, against a fresh DynamoDB Local child process per test. */
class DynamoDbStreamCaptureIT {
    private static final RetryPolicy FAST = new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(100));

    @TempDir
    Path dir;
    LocalDynamoDb db;
    DynamoDbClient client;
    DynamoDbEndpoint endpoint;
    String table;
    String streamArn;

    @BeforeEach
    void freshServer() {
        db = LocalDynamoDb.startChildProcess();
        client = LocalTables.client(db);
        endpoint = DynamoDbEndpoint.local("source", db.endpoint());
        table = "captured";
        LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(table)));
        streamArn = client.describeTable(b -> b.tableName(table)).table().latestStreamArn();
    }

    @AfterEach
    void stop() {
        client.close();
        db.close();
    }

    /** Puts (with a rising version) and deletes of existing keys over 25 keys; returns the expected final state. */
    private Map<String, Map<String, AttributeValue>> write(int from, int to, Map<String, Map<String, AttributeValue>> state) {
        Random random = new Random(from);
        for (int op = from; op < to; op++) {
            String k = "k" + random.nextInt(25);
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS(k), "sk", AttributeValue.fromS("s"));
            if (state.containsKey(k) && random.nextInt(4) == 0) {
                client.deleteItem(b -> b.tableName(table).key(key));
                state.remove(k);
            } else {
                Map<String, AttributeValue> item = new HashMap<>(key);
                item.put("v", AttributeValue.fromN(Integer.toString(op)));
                item.put("n", AttributeValue.fromN("12345678901234567890123456789012345678"));
                client.putItem(b -> b.tableName(table).item(item));
                state.put(k, item);
            }
        }
        return state;
    }

    private static void awaitSize(ChangeLog log, long size, DynamoDbStreamCapture capture) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (log.size() < size && System.nanoTime() < deadline) {
            assertNull(capture.failure(), () -> "capture failed: " + capture.failure());
            Thread.sleep(50);
        }
        Thread.sleep(300);
        assertEquals(size, log.size(), "every change captured exactly once");
    }

    /** Replays the log in order into a map, as an applier would. */
    private static Map<String, Map<String, AttributeValue>> replay(ChangeLog log) {
        Map<String, Map<String, AttributeValue>> out = new HashMap<>();
        for (ChangeRecord c : log.read(0, Integer.MAX_VALUE)) {
            String k = c.key().get("pk").s();
            if (c.operation() == ChangeRecord.Operation.DELETE) {
                out.remove(k);
            } else {
                out.put(k, c.image());
            }
        }
        return out;
    }

    private static void assertSameState(Map<String, Map<String, AttributeValue>> expected, Map<String, Map<String, AttributeValue>> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertEquals(CanonicalItem.of(v), CanonicalItem.of(actual.get(k)), k));
    }

    @Test
    void capturesEveryChangeInKeyOrderAndResumesWithoutDuplicates() throws Exception {
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        write(0, 40, state); // before capture starts: not captured
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8)) {
            DynamoDbStreamCapture first = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50);
            first.start();
            assertTrue(log.positions().size() >= 1, "positions are recorded before anything is copied");
            first.run(200);
            write(40, 190, state);
            awaitSize(log, 150, first);
            first.close();

            write(190, 340, state); // while capture is down
            DynamoDbStreamCapture second = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50);
            second.start();
            second.run(200);
            awaitSize(log, 300, second);
            second.close();

            // Per key, the log holds the versions in the order they were written.
            Map<String, Integer> lastVersion = new HashMap<>();
            for (ChangeRecord c : log.read(0, Integer.MAX_VALUE)) {
                if (c.operation() == ChangeRecord.Operation.PUT) {
                    int v = Integer.parseInt(c.image().get("v").n());
                    String k = c.key().get("pk").s();
                    assertTrue(v > lastVersion.getOrDefault(k, -1), "out of order for " + k);
                    lastVersion.put(k, v);
                }
            }
            // For every key the log touched, replaying it gives the key's final state, absence included.
            Map<String, Map<String, AttributeValue>> replayed = replay(log);
            Map<String, Map<String, AttributeValue>> table = new HashMap<>();
            client.scanPaginator(b -> b.tableName(this.table)).items().forEach(i -> table.put(i.get("pk").s(), i));
            for (ChangeRecord c : log.read(0, Integer.MAX_VALUE)) {
                String k = c.key().get("pk").s();
                assertEquals(state.containsKey(k), replayed.containsKey(k), k + ": present in the table iff present after replay");
                if (state.containsKey(k)) {
                    assertEquals(CanonicalItem.of(state.get(k)), CanonicalItem.of(replayed.get(k)), k);
                }
            }
            assertSameState(state, table);
        }
    }

    /**
     * A TRIM_HORIZON iterator that meets trimmed records before anything was read from its shard, which DynamoDB Local
     * answers now and then on a shard that was empty when the iterator was taken (bench switch --live stopped on it, in the
     * reverse capture of a table whose stream it had just enabled). The shard was first listed moments ago, so whatever was
     * trimmed is older than the capture: a new TRIM_HORIZON iterator, not a stream gap. Once a record was read, the same
     * answer is a gap ({@link #aTrimmedIteratorAfterARecordWasReadIsAGap}).
     */
    @Test
    void aTrimmedHorizonBeforeAnythingWasReadTakesANewIteratorAndLosesNothing() throws Exception {
        AtomicInteger trims = new AtomicInteger(1);
        ExecutionInterceptor trimmedOnce = trimmedGetRecords(trims);
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8, trimmedOnce);
             DynamoDbStreamCapture capture = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50)) {
            capture.start();
            capture.run(200);
            write(0, 60, state);
            awaitSize(log, 60, capture);
            assertEquals(0, trims.get(), "the injected trim was met");
            assertTrue(capture.renewedIterators() >= 1);
            assertSameState(state, replay(log));
        }
    }

    @Test
    void aTrimmedIteratorAfterARecordWasReadIsAGap() throws Exception {
        AtomicInteger trims = new AtomicInteger(0);
        ExecutionInterceptor trimmedLater = trimmedGetRecords(trims);
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8, trimmedLater);
             DynamoDbStreamCapture capture = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50)) {
            capture.start();
            capture.run(200);
            write(0, 20, state);
            awaitSize(log, 20, capture);
            trims.set(1);
            write(20, 40, state);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (capture.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(capture.failure() != null && capture.failure().code() == io.cutover.core.ErrorCode.STREAM_GAP,
                    "a trim after records were read is a gap: " + capture.failure());
        }
    }

    /** Answers the next {@code left} GetRecords calls with TrimmedDataAccessException, as the service would. */
    private static ExecutionInterceptor trimmedGetRecords(AtomicInteger left) {
        return new ExecutionInterceptor() {
            @Override
            public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
                if (context.request() instanceof GetRecordsRequest && left.get() > 0 && left.getAndDecrement() > 0) {
                    throw software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException.builder().statusCode(400)
                            .message("injected").awsErrorDetails(AwsErrorDetails.builder().errorCode("TrimmedDataAccessException")
                                    .errorMessage("injected").build()).build();
                }
                return context.request();
            }
        };
    }

    @Test
    void renewsAnExpiredIteratorAndLosesNothing() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ExecutionInterceptor expiring = new ExecutionInterceptor() {
            @Override
            public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
                if (context.request() instanceof GetRecordsRequest && calls.incrementAndGet() % 7 == 0) {
                    throw ExpiredIteratorException.builder().statusCode(400).message("injected")
                            .awsErrorDetails(AwsErrorDetails.builder().errorCode("ExpiredIteratorException").errorMessage("injected").build())
                            .build();
                }
                return context.request();
            }
        };
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8, expiring);
             DynamoDbStreamCapture capture = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50)) {
            capture.start();
            capture.run(200);
            for (int round = 0; round < 5; round++) {
                write(round * 40, round * 40 + 40, state);
                Thread.sleep(300);
            }
            awaitSize(log, 200, capture);
            assertTrue(capture.renewedIterators() > 0, "the injected expiries must have been renewed");
            assertSameState(state, replay(log));
        }
    }

    @Test
    void aShardThatLeftTheStreamUnfinishedIsAGapNotASkip() {
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8)) {
            log.append(List.of(), new PartitionPosition("shardId-00000000000000000000-trimmed", "100", false));
            DynamoDbStreamCapture capture = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50);
            CutoverException e = assertThrows(CutoverException.class, capture::start);
            assertEquals(ErrorCode.STREAM_GAP, e.code());
            assertTrue(e.getMessage().contains("shardId-00000000000000000000-trimmed") && e.getMessage().contains("--restart"), e.getMessage());
            capture.close();
        }
    }

    @Test
    void aCaptureStoppedLongerThanTheRetentionIsAGap() throws Exception {
        AtomicLong now = new AtomicLong(System.currentTimeMillis());
        DynamoDbStreamCapture.Settings oneHour = DynamoDbStreamCapture.Settings.defaults().withPollMillis(50)
                .withRetention(Duration.ofHours(1), 1_000);
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8)) {
            try (DynamoDbStreamCapture first = new DynamoDbStreamCapture(streams, client, endpoint, streamArn, log, FAST, oneHour, now::get)) {
                first.start();
                first.run(200);
                write(0, 10, state);
                awaitSize(log, 10, first);
            }
            assertTrue(log.positions().values().stream().allMatch(p -> p.readAtMillis() > 0), "every shard's read time is kept");
            now.addAndGet(Duration.ofMinutes(61).toMillis()); // capture was down longer than the stream keeps records
            try (DynamoDbStreamCapture second = new DynamoDbStreamCapture(streams, client, endpoint, streamArn, log, FAST, oneHour, now::get)) {
                CutoverException e = assertThrows(CutoverException.class, second::start);
                assertEquals(ErrorCode.STREAM_GAP, e.code());
                assertTrue(e.getMessage().contains("61 minutes") && e.getMessage().contains("--restart"), e.getMessage());
            }
        }
    }

    @Test
    void aResumeAfterPruningNeverAppendsThePrunedChangesAgain() throws Exception {
        AtomicLong now = new AtomicLong(System.currentTimeMillis());
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"), Duration.ofMinutes(1), now::get);
             DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8)) {
            try (DynamoDbStreamCapture first = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50)) {
                first.start();
                first.run(200);
                write(0, 50, state);
                awaitSize(log, 50, first);
            }
            log.markApplied(log.lastSequence());
            now.addAndGet(Duration.ofMinutes(2).toMillis());
            assertEquals(50, log.prune());
            assertEquals(0, log.retained());

            write(50, 80, state);
            try (DynamoDbStreamCapture second = new DynamoDbStreamCapture(streams, endpoint, streamArn, log, FAST, 50)) {
                second.start();
                second.run(200);
                awaitSize(log, 80, second);
            }
            assertEquals(30, log.retained(), "only the 30 new changes: the pruned ones were not read again");
            for (ChangeRecord c : log.read(0, 100)) {
                if (c.operation() == ChangeRecord.Operation.PUT) {
                    assertTrue(Integer.parseInt(c.image().get("v").n()) >= 50, "an old image came back: " + c);
                }
            }
        }
    }
}
