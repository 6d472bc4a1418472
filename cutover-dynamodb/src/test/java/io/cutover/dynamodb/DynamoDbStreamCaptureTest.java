package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.retry.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Shard discovery's threading, on a scripted streams client (no I/O). */
class DynamoDbStreamCaptureTest {
    private static final String ARN = "arn:aws:dynamodb:local:000000000000:table/t/stream/1";

    /** One closed shard with two records; GetRecords waits for {@code release}. */
    static final class OneShardStream implements DynamoDbStreamsClient {
        final CountDownLatch inGetRecords = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger iterators = new AtomicInteger();

        @Override
        public DescribeStreamResponse describeStream(DescribeStreamRequest r) {
            Shard shard = Shard.builder().shardId("s1").sequenceNumberRange(b -> b.startingSequenceNumber("1").endingSequenceNumber("2"))
                    .build();
            return DescribeStreamResponse.builder().streamDescription(d -> d.streamArn(ARN).tableName("t").streamStatus(StreamStatus.ENABLED)
                    .shards(r.exclusiveStartShardId() == null ? List.of(shard) : List.of())).build();
        }

        @Override
        public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest r) {
            iterators.incrementAndGet();
            return GetShardIteratorResponse.builder().shardIterator("it-" + r.shardId()).build();
        }

        @Override
        public GetRecordsResponse getRecords(GetRecordsRequest r) {
            inGetRecords.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return GetRecordsResponse.builder().records(record("1", 1), record("2", 2)).nextShardIterator(null).build();
        }

        static Record record(String seq, int version) {
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("k"));
            return Record.builder().eventName(OperationType.MODIFY).dynamodb(StreamRecord.builder().sequenceNumber(seq).keys(key)
                    .newImage(Map.of("pk", AttributeValue.fromS("k"), "v", AttributeValue.fromN(Integer.toString(version)))).build()).build();
        }

        @Override
        public String serviceName() {
            return "streams";
        }

        @Override
        public void close() {
        }
    }

    /** A log whose next positions() call, once armed, returns its answer only when {@code go} opens: a slow reader of positions. */
    static final class StallingLog implements ChangeLog {
        final InMemoryChangeLog inner = new InMemoryChangeLog();
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch snapshotTaken = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);

        @Override
        public Map<String, PartitionPosition> positions() {
            Map<String, PartitionPosition> snapshot = inner.positions();
            if (armed.compareAndSet(true, false)) {
                snapshotTaken.countDown();
                try {
                    go.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return snapshot;
        }

        @Override
        public int append(List<ChangeRecord> changes, PartitionPosition position) {
            return inner.append(changes, position);
        }

        @Override
        public List<ChangeRecord> read(long afterSequence, int limit, long maxBytes) {
            return inner.read(afterSequence, limit, maxBytes);
        }

        @Override
        public long lastSequence() {
            return inner.lastSequence();
        }

        @Override
        public void markApplied(long sequence, AppliedCounts delta) {
            inner.markApplied(sequence, delta);
        }

        @Override
        public AppliedCounts appliedCounts() {
            return inner.appliedCounts();
        }

        @Override
        public long applied() {
            return inner.applied();
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public long retained() {
            return inner.retained();
        }

        @Override
        public long prune() {
            return inner.prune();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aShardFinishedWhileDiscoveryLookedIsNeverReadAgainFromTrimHorizon() throws Exception {
        OneShardStream stream = new OneShardStream();
        StallingLog log = new StallingLog();
        log.append(List.of(), new PartitionPosition("s1", null, false));
        try (DynamoDbStreamCapture capture = new DynamoDbStreamCapture(stream, DynamoDbEndpoint.local("source", java.net.URI.create("http://localhost:1")), ARN,
                log, new RetryPolicy(2, Duration.ZERO, Duration.ZERO), 10)) {
            capture.discover(); // the first reader starts and waits in GetRecords
            assertTrue(stream.inGetRecords.await(10, TimeUnit.SECONDS));

            log.armed.set(true);
            Thread second = new Thread(capture::discover); // looks at the positions while the shard is unfinished...
            second.start();
            assertTrue(log.snapshotTaken.await(10, TimeUnit.SECONDS));
            stream.release.countDown(); // ...then the first reader finishes the shard and lets it go
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(log.inner.positions().get("s1").finished() && capture.readersActive() == 0) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            log.go.countDown(); // ...and only then does the second discovery act on what it saw
            second.join(10_000);
            Thread.sleep(300);

            assertNull(capture.failure());
            assertEquals(1, stream.iterators.get(), "a second reader would have asked for a TRIM_HORIZON iterator");
            assertEquals(2, log.size());
        }
    }

    /** A stream that says ENABLING with no shards for its first {@code enablingCalls} DescribeStream calls; counts the calls. */
    static final class EnablingStream implements DynamoDbStreamsClient {
        final AtomicInteger describes = new AtomicInteger();
        final AtomicInteger paged = new AtomicInteger();
        final int enablingCalls;

        EnablingStream(int enablingCalls) {
            this.enablingCalls = enablingCalls;
        }

        @Override
        public DescribeStreamResponse describeStream(DescribeStreamRequest r) {
            boolean enabling = describes.incrementAndGet() <= enablingCalls;
            if (r.exclusiveStartShardId() != null) {
                paged.incrementAndGet();
            }
            List<Shard> shards = enabling || r.exclusiveStartShardId() != null ? List.of()
                    : List.of(Shard.builder().shardId("s1").sequenceNumberRange(b -> b.startingSequenceNumber("1")).build());
            return DescribeStreamResponse.builder().streamDescription(d -> d.streamArn(ARN).tableName("t")
                    .streamStatus(enabling ? StreamStatus.ENABLING : StreamStatus.ENABLED).shards(shards)).build();
        }

        @Override
        public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest r) {
            return GetShardIteratorResponse.builder().shardIterator("it-" + r.shardId()).build();
        }

        @Override
        public GetRecordsResponse getRecords(GetRecordsRequest r) {
            return GetRecordsResponse.builder().records(List.of()).nextShardIterator(r.shardIterator()).build();
        }

        @Override
        public String serviceName() {
            return "streams";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aNewlyEnabledStreamIsWaitedForBeforePositionsAreRecorded() {
        EnablingStream stream = new EnablingStream(3);
        InMemoryChangeLog log = new InMemoryChangeLog();
        try (DynamoDbStreamCapture capture = new DynamoDbStreamCapture(stream, DynamoDbEndpoint.local("source", java.net.URI.create("http://localhost:1")),
                ARN, log, new RetryPolicy(2, Duration.ZERO, Duration.ZERO), 10)) {
            capture.start();
        }
        assertTrue(stream.describes.get() >= 4, "DescribeStream was asked again while the stream was ENABLING");
        assertEquals(List.of("s1"), List.copyOf(log.positions().keySet()), "the shard that appeared once ENABLED is recorded");
    }

    @Test
    void discoveryBacksOffWhileNoShardAppearsAndPagesAfterTheLastShardSeen() throws Exception {
        EnablingStream stream = new EnablingStream(0);
        InMemoryChangeLog log = new InMemoryChangeLog();
        DynamoDbStreamCapture.Settings paced = new DynamoDbStreamCapture.Settings(10, 10, 200, 60_000, 60_000, Duration.ofHours(23));
        try (DynamoDbStreamCapture capture = new DynamoDbStreamCapture(stream, null, DynamoDbEndpoint.local("source",
                java.net.URI.create("http://localhost:1")), ARN, log, new RetryPolicy(2, Duration.ZERO, Duration.ZERO), paced,
                System::currentTimeMillis)) {
            capture.start();
            int before = stream.describes.get();
            capture.run();
            Thread.sleep(1_500);
            int calls = stream.describes.get() - before;
            // Every 10 ms would be about 150 calls; doubling to 200 ms makes about 12.
            assertTrue(calls >= 3 && calls <= 30, "DescribeStream calls in 1.5 s: " + calls);
            assertTrue(stream.paged.get() >= calls - 1, "after the first full listing, only shards after the last seen are asked for");
            assertNull(capture.failure());
        }
    }

    /** One open shard; GetRecords answers the streams rate limit while {@code limited}, then nothing (the tip). */
    static final class RateLimitedOpenShard implements DynamoDbStreamsClient {
        final AtomicBoolean limited = new AtomicBoolean(true);
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public DescribeStreamResponse describeStream(DescribeStreamRequest r) {
            Shard shard = Shard.builder().shardId("s1").sequenceNumberRange(b -> b.startingSequenceNumber("1")).build();
            return DescribeStreamResponse.builder().streamDescription(d -> d.streamArn(ARN).tableName("t").streamStatus(StreamStatus.ENABLED)
                    .shards(r.exclusiveStartShardId() == null ? List.of(shard) : List.of())).build();
        }

        @Override
        public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest r) {
            return GetShardIteratorResponse.builder().shardIterator("it-" + r.shardId()).build();
        }

        @Override
        public GetRecordsResponse getRecords(GetRecordsRequest r) {
            if (limited.get()) {
                refused.incrementAndGet();
                throw software.amazon.awssdk.services.dynamodb.model.LimitExceededException.builder().statusCode(400)
                        .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder().errorCode("LimitExceededException").build())
                        .build();
            }
            return GetRecordsResponse.builder().records(List.of()).nextShardIterator("it-next").build();
        }

        @Override
        public String serviceName() {
            return "streams";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aReaderRetryingARateLimitIsQuietButNotCaughtUp() throws Exception {
        RateLimitedOpenShard stream = new RateLimitedOpenShard();
        InMemoryChangeLog log = new InMemoryChangeLog();
        DynamoDbStreamCapture.Settings fast = new DynamoDbStreamCapture.Settings(5, 10, 50, 60_000, 60_000, Duration.ofHours(23));
        try (DynamoDbStreamCapture capture = new DynamoDbStreamCapture(stream, null, DynamoDbEndpoint.local("source",
                java.net.URI.create("http://localhost:1")), ARN, log, new RetryPolicy(100_000, Duration.ofMillis(1), Duration.ofMillis(5)), fast,
                System::currentTimeMillis)) {
            capture.start();
            capture.run();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stream.refused.get() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long since = capture.now();
            Thread.sleep(300);
            assertEquals(0, log.size(), "nothing was captured: the loop would call this quiet");
            assertFalse(capture.caughtUpSince(since), "a reader still retrying GetRecords has not read the stream to its end");

            stream.limited.set(false);
            while (!capture.caughtUpSince(since) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(capture.caughtUpSince(since), "an empty page after the rate limit lifted is the end of the stream");
            assertFalse(capture.caughtUpSince(capture.now() + 60_000), "a later moment needs a later read");
            assertNull(capture.failure());
        }
    }
}
