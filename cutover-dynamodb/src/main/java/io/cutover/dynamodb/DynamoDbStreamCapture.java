package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Captures a DynamoDB table's stream into Cutover's {@link ChangeLog}: every shard is read, a child
 * only once its parent is finished (per-item order across a shard split); each GetRecords page is
 * appended together with the shard's new position, so a restart continues exactly after the last
 * change kept. Expired iterators are renewed from the last position; a gap (records trimmed before
 * they were read, or a shard that vanished unfinished) stops capture with {@link ErrorCode#STREAM_GAP},
 * never a silent skip (docs/decisions/0010-stream-capture.md).
 *
 * <p>{@link #start} must return before the backfill reads its first item: it records the position of
 * every shard. {@link #run} then reads on its own threads until {@link #close}. Thread-safe.
 */
public final class DynamoDbStreamCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStreamCapture.class);

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final ChangeLog log;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;
    private final long pollMillis;
    private final Map<String, String> startIterators = new ConcurrentHashMap<>();
    private final Map<String, Boolean> reading = new ConcurrentHashMap<>();
    private final AtomicReference<CutoverException> failure = new AtomicReference<>();
    private final LongAdder captured = new LongAdder();
    private final LongAdder renewedIterators = new LongAdder();
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cutover-stream-reader");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    public DynamoDbStreamCapture(DynamoDbStreamsClient streams, DynamoDbEndpoint endpoint, String streamArn, ChangeLog log,
                                 RetryPolicy retry, long pollMillis) {
        this.streams = streams;
        this.streamArn = streamArn;
        this.log = log;
        this.retry = retry;
        this.classifier = new DynamoDbErrorClassifier(endpoint);
        this.pollMillis = pollMillis;
    }

    /**
     * Records where capture starts, before any item is copied. Shards already closed hold only changes
     * from before capture; open shards are read from LATEST, so the first run reads only what happens
     * after this call. A shard with no change yet after a restart falls back to TRIM_HORIZON: more
     * history replayed, nothing missed. A shard recorded earlier but no longer in the stream, unfinished,
     * is a gap.
     */
    public void start() {
        Map<String, Shard> shards = shards();
        Map<String, PartitionPosition> known = log.positions();
        for (PartitionPosition p : known.values()) {
            if (!p.finished() && !shards.containsKey(p.partition())) {
                throw gap("shard " + p.partition() + " left the stream before Cutover finished reading it (last position "
                        + p.lastPosition() + ")");
            }
        }
        if (!known.isEmpty()) {
            return;
        }
        for (Shard shard : shards.values()) {
            boolean closedShard = shard.sequenceNumberRange() != null && shard.sequenceNumberRange().endingSequenceNumber() != null;
            if (!closedShard) {
                String iterator = retry.execute("GetShardIterator " + shard.shardId(), a -> streams.getShardIterator(b -> b
                        .streamArn(streamArn).shardId(shard.shardId()).shardIteratorType(ShardIteratorType.LATEST)).shardIterator(),
                        classifier, RetryListener.NONE);
                startIterators.put(shard.shardId(), iterator);
            }
            log.append(List.of(), new PartitionPosition(shard.shardId(), null, closedShard));
        }
        LOG.info("capture starts on {} shards of {}", shards.size(), streamArn);
    }

    /** Discovers shards every {@code discoverMillis} and keeps a reader on each readable one; returns at once. */
    public void run(long discoverMillis) {
        readers.submit(() -> {
            while (!closed && failure.get() == null) {
                try {
                    discover();
                    Thread.sleep(discoverMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (CutoverException e) {
                    failure.compareAndSet(null, e);
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, classifier.classify(e));
                }
            }
        });
    }

    /** Starts a reader on every shard that is unfinished and whose parent (if still listed) is finished. */
    void discover() {
        Map<String, Shard> shards = shards();
        Map<String, PartitionPosition> positions = log.positions();
        for (Shard shard : shards.values()) {
            PartitionPosition p = positions.get(shard.shardId());
            if (p != null && p.finished() || reading.containsKey(shard.shardId())) {
                continue;
            }
            String parent = shard.parentShardId();
            if (parent != null && shards.containsKey(parent)) {
                PartitionPosition pp = positions.get(parent);
                if (pp == null || !pp.finished()) {
                    continue;
                }
            } else if (parent != null && positions.containsKey(parent) && !positions.get(parent).finished()) {
                throw gap("shard " + parent + " left the stream before Cutover finished reading it");
            }
            reading.put(shard.shardId(), Boolean.TRUE);
            readers.submit(() -> read(shard.shardId(), p == null ? null : p.lastPosition()));
        }
    }

    private void read(String shardId, String lastPosition) {
        try {
            String iterator = startIterators.remove(shardId);
            if (iterator == null) {
                iterator = iterator(shardId, lastPosition);
            }
            String last = lastPosition;
            while (!closed && iterator != null) {
                GetRecordsResponse page;
                try {
                    String it = iterator;
                    page = retry.execute("GetRecords " + shardId, a -> streams.getRecords(b -> b.shardIterator(it).limit(1000)),
                            classifier, RetryListener.NONE);
                } catch (CutoverException e) {
                    if (e.getCause() instanceof ExpiredIteratorException) {
                        renewedIterators.increment();
                        iterator = iterator(shardId, last);
                        continue;
                    }
                    if (e.getCause() instanceof TrimmedDataAccessException) {
                        throw gap("changes of shard " + shardId + " after " + last + " were trimmed from the stream before Cutover read them");
                    }
                    throw e;
                }
                long now = System.currentTimeMillis();
                List<ChangeRecord> changes = new ArrayList<>(page.records().size());
                for (Record r : page.records()) {
                    changes.add(change(shardId, r, now));
                    last = r.dynamodb().sequenceNumber();
                }
                boolean finished = page.nextShardIterator() == null;
                if (!changes.isEmpty() || finished) {
                    captured.add(log.append(changes, new PartitionPosition(shardId, last, finished)));
                }
                iterator = page.nextShardIterator();
                if (changes.isEmpty() && iterator != null) {
                    Thread.sleep(pollMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CutoverException e) {
            failure.compareAndSet(null, e);
        } catch (RuntimeException e) {
            failure.compareAndSet(null, classifier.classify(e));
        } finally {
            reading.remove(shardId);
        }
    }

    /** A new iterator just after the last change kept, or from the oldest record when none was kept. */
    private String iterator(String shardId, String after) {
        try {
            return streams.getShardIterator(b -> {
                b.streamArn(streamArn).shardId(shardId);
                if (after == null) {
                    b.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
                } else {
                    b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after);
                }
            }).shardIterator();
        } catch (TrimmedDataAccessException e) {
            throw gap("changes of shard " + shardId + " after " + after + " were trimmed from the stream before Cutover read them");
        }
    }

    static ChangeRecord change(String shardId, Record r, long capturedAt) {
        var d = r.dynamodb();
        long sourceTime = d.approximateCreationDateTime() == null ? capturedAt : d.approximateCreationDateTime().toEpochMilli();
        if (r.eventName() == OperationType.REMOVE) {
            return ChangeRecord.delete(shardId, d.sequenceNumber(), d.keys(), sourceTime, capturedAt);
        }
        if (!d.hasNewImage()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the stream carries no new images (view type "
                    + d.streamViewTypeAsString() + "): enable it with NEW_IMAGE or NEW_AND_OLD_IMAGES");
        }
        return ChangeRecord.put(shardId, d.sequenceNumber(), d.keys(), d.newImage(), sourceTime, capturedAt);
    }

    private Map<String, Shard> shards() {
        Map<String, Shard> out = new LinkedHashMap<>();
        String start = null;
        do {
            String from = start;
            DescribeStreamResponse r = retry.execute("DescribeStream", a -> streams.describeStream(b -> b.streamArn(streamArn)
                    .exclusiveStartShardId(from)), classifier, RetryListener.NONE);
            r.streamDescription().shards().forEach(s -> out.put(s.shardId(), s));
            start = r.streamDescription().lastEvaluatedShardId();
        } while (start != null);
        return out;
    }

    private static CutoverException gap(String what) {
        return new CutoverException(ErrorCode.STREAM_GAP, what + ": the target can no longer be kept exact; start the migration"
                + " over with --restart (and make sure capture runs continuously, within the stream's 24-hour retention)");
    }

    /** The first failure of any reader, or null; a caller polls this and stops the migration on one. */
    public CutoverException failure() {
        return failure.get();
    }

    public long captured() {
        return captured.sum();
    }

    public long renewedIterators() {
        return renewedIterators.sum();
    }

    @Override
    public void close() {
        closed = true;
        readers.shutdownNow();
        try {
            readers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
