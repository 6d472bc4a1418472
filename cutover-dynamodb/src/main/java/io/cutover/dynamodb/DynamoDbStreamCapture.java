package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.time.Duration;
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
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
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
 * <p>The stream itself can go away under a running migration: disabled, or replaced by a new one
 * (disable and re-enable, or a changed view type). Its old shards then close, capture would finish
 * them and report IN_SYNC while every later change goes to a stream nobody reads. So every DescribeStream
 * answer must say ENABLED, and the table's current stream (its LatestStreamArn and StreamSpecification)
 * is compared with the recorded ARN on {@link #start} and every {@link Settings#streamCheckMillis}. A
 * capture that was stopped longer than the stream's retention, or a shard not read for that long, is a
 * gap too: a shard restarted from TRIM_HORIZON cannot tell that records were trimmed
 * (docs/decisions/0050-stream-replacement-and-outages.md).
 *
 * <p>{@link #start} must return before the backfill reads its first item: it waits for a newly enabled
 * stream to be ENABLED with shards, then records the position of every shard. {@link #run} then reads
 * on its own threads until {@link #close}. Thread-safe.
 */
public final class DynamoDbStreamCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStreamCapture.class);

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final ChangeLog log;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;
    private final DynamoDbClient tables;
    private final Settings settings;
    private final LongSupplier clock;
    private final Map<String, String> startIterators = new ConcurrentHashMap<>();
    private final Map<String, Shard> known = new ConcurrentHashMap<>();
    /** When this process first listed each shard (clock millis): a never-read shard's records older than that predate capture. */
    private final Map<String, Long> firstSeenAt = new ConcurrentHashMap<>();
    private volatile String tableName;
    private String lastShardId;
    private long nextStreamCheck;
    private final Map<String, Boolean> reading = new ConcurrentHashMap<>();
    /** Per shard: when (capture clock) a GetRecords call started that came back with nothing, i.e. the reader was at the tip. */
    private final Map<String, Long> caughtUpAt = new ConcurrentHashMap<>();
    private volatile long lastDiscoveredAt;
    private final AtomicReference<CutoverException> failure = new AtomicReference<>();
    private final LongAdder captured = new LongAdder();
    private final LongAdder renewedIterators = new LongAdder();
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cutover-stream-reader");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    private volatile StreamStatus lastStatus;

    /**
     * How capture paces itself. All validated here, once.
     *
     * @param pollMillis           wait after an empty GetRecords page of an open shard
     * @param discoverMillis       wait between DescribeStream calls while shards are changing
     * @param maxDiscoverMillis    the wait doubles up to this while no new shard appears
     * @param streamCheckMillis    how often the table's current stream is compared with the recorded one
     * @param heartbeatMillis      how often an idle shard's read time is saved
     * @param retention            how long the stream keeps records (24 h on AWS; a margin is wise): a
     *                             capture stopped longer, or a shard unread longer, is a gap
     */
    public record Settings(long pollMillis, long discoverMillis, long maxDiscoverMillis, long streamCheckMillis, long heartbeatMillis,
                           Duration retention) {
        public Settings {
            List<String> problems = new ArrayList<>();
            if (pollMillis < 1 || discoverMillis < 1 || streamCheckMillis < 1 || heartbeatMillis < 1) {
                problems.add("poll, discover, stream-check and heartbeat intervals must be positive");
            }
            if (maxDiscoverMillis < discoverMillis) {
                problems.add("the longest discover interval must be at least the shortest");
            }
            if (retention == null || retention.isZero() || retention.isNegative()) {
                problems.add("--stream-retention must be positive, was " + retention);
            }
            if (!problems.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "stream capture settings: " + String.join("; ", problems));
            }
        }

        /** For AWS: DescribeStream from every 500 ms to every 10 s, the table checked every 30 s, 23 h of the stream's 24. */
        public static Settings defaults() {
            return new Settings(100, 500, 10_000, 30_000, 60_000, Duration.ofHours(23));
        }

        public Settings withPollMillis(long millis) {
            return new Settings(millis, discoverMillis, maxDiscoverMillis, streamCheckMillis, heartbeatMillis, retention);
        }

        public Settings withStreamCheckMillis(long millis) {
            return new Settings(pollMillis, discoverMillis, maxDiscoverMillis, millis, heartbeatMillis, retention);
        }

        public Settings withRetention(Duration r, long heartbeat) {
            return new Settings(pollMillis, discoverMillis, maxDiscoverMillis, streamCheckMillis, heartbeat, r);
        }
    }

    /** Capture without the table check (only the stream's own status is watched), polling every {@code pollMillis}. */
    public DynamoDbStreamCapture(DynamoDbStreamsClient streams, DynamoDbEndpoint endpoint, String streamArn, ChangeLog log,
                                 RetryPolicy retry, long pollMillis) {
        this(streams, null, endpoint, streamArn, log, retry, Settings.defaults().withPollMillis(pollMillis), System::currentTimeMillis);
    }

    /**
     * @param tables the source's DynamoDB client, to compare the table's current stream with {@code streamArn};
     *               null leaves only the stream's own status watched
     * @param clock  milliseconds since the epoch (read times and the retention check)
     */
    public DynamoDbStreamCapture(DynamoDbStreamsClient streams, DynamoDbClient tables, DynamoDbEndpoint endpoint, String streamArn,
                                 ChangeLog log, RetryPolicy retry, Settings settings, LongSupplier clock) {
        this.streams = streams;
        this.tables = tables;
        this.streamArn = streamArn;
        this.log = log;
        this.retry = retry;
        this.classifier = new DynamoDbErrorClassifier(endpoint);
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Records where capture starts, before any item is copied. Shards already closed hold only changes
     * from before capture; open shards are read from LATEST, so the first run reads only what happens
     * after this call. A shard with no change yet after a restart falls back to TRIM_HORIZON: more
     * history replayed, nothing missed. A shard recorded earlier but no longer in the stream, unfinished,
     * is a gap.
     */
    public void start() {
        Map<String, Shard> shards = awaitEnabled();
        checkTable();
        Map<String, PartitionPosition> recorded = log.positions();
        long now = clock.getAsLong();
        long lastRead = recorded.values().stream().mapToLong(PartitionPosition::readAtMillis).max().orElse(0);
        if (lastRead > 0 && now - lastRead > settings.retention().toMillis()) {
            throw gap("capture last read the stream " + Duration.ofMillis(now - lastRead).toMinutes() + " minutes ago, longer than"
                    + " the stream keeps records (--stream-retention " + settings.retention() + "), so changes may have been trimmed");
        }
        for (PartitionPosition p : recorded.values()) {
            if (!p.finished() && !shards.containsKey(p.partition())) {
                throw gap("shard " + p.partition() + " left the stream before Cutover finished reading it (last position "
                        + p.lastPosition() + ")");
            }
        }
        if (!recorded.isEmpty()) {
            return;
        }
        for (Shard shard : shards.values()) {
            boolean closedShard = shard.sequenceNumberRange() != null && shard.sequenceNumberRange().endingSequenceNumber() != null;
            if (!closedShard) {
                startIterators.put(shard.shardId(), shardIterator(shard.shardId(), ShardIteratorType.LATEST, null));
            }
            log.append(List.of(), new PartitionPosition(shard.shardId(), null, closedShard, now));
        }
        LOG.info("capture starts on {} shards of {}", shards.size(), streamArn);
    }

    /** Waits (up to two minutes) for a stream just enabled to be ENABLED with at least one shard; a disabled stream is a gap. */
    private Map<String, Shard> awaitEnabled() {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            Map<String, Shard> shards = shards();
            if (!shards.isEmpty() && StreamStatus.ENABLED.equals(lastStatus)) {
                return shards;
            }
            if (System.nanoTime() > deadline) {
                throw new CutoverException(ErrorCode.TRANSIENT, "the stream " + streamArn + " is still " + lastStatus + " with "
                        + shards.size() + " shards after 2 minutes: run the migration again in a moment");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for the stream to be enabled", e);
            }
        }
    }

    /**
     * The table must still have the recorded stream, enabled: a stream disabled, re-enabled or replaced
     * under a running migration takes every later change with it.
     */
    void checkTable() {
        if (tables == null || tableName == null) {
            return;
        }
        TableDescription d = retry.execute("DescribeTable " + tableName, a -> tables.describeTable(b -> b.tableName(tableName)).table(),
                classifier, RetryListener.NONE);
        boolean enabled = d.streamSpecification() != null && Boolean.TRUE.equals(d.streamSpecification().streamEnabled());
        if (!enabled || !streamArn.equals(d.latestStreamArn())) {
            throw gap("the stream of table '" + tableName + "' was " + (enabled ? "replaced (its stream is now " + d.latestStreamArn()
                    + ")" : "disabled") + " while Cutover captured " + streamArn + ", so later changes never reached Cutover");
        }
    }

    /**
     * Discovers shards and keeps a reader on each readable one; returns at once. DescribeStream is
     * called every {@code discoverMillis} while new shards appear, backing off to
     * {@link Settings#maxDiscoverMillis} while none do; only shards after the last one seen are listed
     * (ExclusiveStartShardId), with a full listing at every table check.
     */
    public void run() {
        run(settings.discoverMillis());
    }

    /** As {@link #run()}, starting with DescribeStream every {@code discoverMillis}. */
    public void run(long discoverMillis) {
        readers.submit(() -> {
            long wait = discoverMillis;
            while (!closed && failure.get() == null) {
                try {
                    boolean full = clock.getAsLong() >= nextStreamCheck;
                    if (full) {
                        checkTable();
                        nextStreamCheck = clock.getAsLong() + settings.streamCheckMillis();
                    }
                    wait = discover(full) ? discoverMillis : Math.min(wait * 2, Math.max(discoverMillis, settings.maxDiscoverMillis()));
                    Thread.sleep(wait);
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

    /**
     * Starts a reader on every shard that is unfinished and whose parent (if still listed) is finished;
     * returns true when new shards were found. A shard is claimed before its position is read (by the
     * reader itself), so a reader that finished the shard between this method's look at the positions
     * and its claim is never followed by a second one starting again from TRIM_HORIZON.
     */
    boolean discover(boolean fullListing) {
        int before = known.size();
        if (fullListing) {
            Map<String, Shard> all = shards();
            known.keySet().retainAll(all.keySet());
            known.putAll(all);
            all.keySet().forEach(id -> firstSeenAt.putIfAbsent(id, clock.getAsLong()));
        } else {
            Map<String, Shard> added = shardsAfter(lastShardId);
            known.putAll(added);
            added.keySet().forEach(id -> firstSeenAt.putIfAbsent(id, clock.getAsLong()));
        }
        boolean found = known.size() > before;
        long listedAt = clock.getAsLong();
        Map<String, Shard> shards = new LinkedHashMap<>(known);
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
            if (reading.putIfAbsent(shard.shardId(), Boolean.TRUE) == null) {
                readers.submit(() -> read(shard.shardId()));
            }
        }
        lastDiscoveredAt = listedAt;
        return found;
    }

    /**
     * True when capture has read everything the stream held at {@code millis} (capture clock): a shard listing
     * began after it, and every open shard that can be read (its parent finished) is being read and had a
     * GetRecords call that began after it and came back empty. Quiet is not enough: a reader retrying a
     * throttled or failing call is quiet too, with changes still in the stream.
     */
    public boolean caughtUpSince(long millis) {
        if (failure.get() != null || lastDiscoveredAt < millis) {
            return false;
        }
        Map<String, PartitionPosition> positions = log.positions();
        for (Shard shard : known.values()) {
            PartitionPosition p = positions.get(shard.shardId());
            if (p != null && p.finished()) {
                continue;
            }
            String parent = shard.parentShardId();
            PartitionPosition pp = parent == null ? null : positions.get(parent);
            if (parent != null && known.containsKey(parent) && (pp == null || !pp.finished())) {
                continue; // its records follow its parent's, which is checked itself
            }
            Long at = caughtUpAt.get(shard.shardId());
            if (!reading.containsKey(shard.shardId()) || at == null || at < millis) {
                return false;
            }
        }
        return true;
    }

    /** The clock {@link #caughtUpSince} compares with. */
    public long now() {
        return clock.getAsLong();
    }

    /** Starts a reader on every readable shard, listing them all. */
    void discover() {
        discover(true);
    }

    private void read(String shardId) {
        try {
            // Read now, after the claim: a reader that finished this shard released it only after saving that.
            PartitionPosition p = log.positions().get(shardId);
            if (p != null && p.finished()) {
                startIterators.remove(shardId);
                return;
            }
            long now = clock.getAsLong();
            if (p != null && p.readAtMillis() > 0 && now - p.readAtMillis() > settings.retention().toMillis()) {
                throw gap("shard " + shardId + " was last read " + Duration.ofMillis(now - p.readAtMillis()).toMinutes()
                        + " minutes ago, longer than the stream keeps records (--stream-retention " + settings.retention() + ")");
            }
            String lastPosition = p == null ? null : p.lastPosition();
            String iterator = startIterators.remove(shardId);
            if (iterator == null) {
                iterator = iterator(shardId, lastPosition);
            }
            String last = lastPosition;
            long savedAt = now;
            int renewedAtHorizon = 0;
            while (!closed && iterator != null) {
                GetRecordsResponse page;
                long askedAt = clock.getAsLong();
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
                        if (last == null && renewedAtHorizon < 3 && seenWithinRetention(shardId)) {
                            // Nothing read from this shard yet, and it was first listed within the retention: whatever was
                            // trimmed is older than the capture, so the backfill (which starts after it) has it. DynamoDB Local
                            // also answers this on a shard that was empty when its TRIM_HORIZON iterator was taken.
                            renewedAtHorizon++;
                            renewedIterators.increment();
                            LOG.info("shard {}: its TRIM_HORIZON iterator met trimmed records before anything was read; taking a new one",
                                    shardId);
                            iterator = iterator(shardId, null);
                            continue;
                        }
                        throw gap("changes of shard " + shardId + " after " + last + " were trimmed from the stream before Cutover read them");
                    }
                    throw e;
                }
                long readAt = clock.getAsLong();
                List<ChangeRecord> changes = new ArrayList<>(page.records().size());
                for (Record r : page.records()) {
                    changes.add(change(shardId, r, System.currentTimeMillis()));
                    last = r.dynamodb().sequenceNumber();
                }
                boolean finished = page.nextShardIterator() == null;
                if (page.records().isEmpty()) {
                    caughtUpAt.put(shardId, askedAt);
                }
                // An idle shard's read time is saved now and then, so that a later restart can tell an outage from quiet.
                if (!changes.isEmpty() || finished || readAt - savedAt >= settings.heartbeatMillis()) {
                    captured.add(log.append(changes, new PartitionPosition(shardId, last, finished, readAt)));
                    savedAt = readAt;
                }
                iterator = page.nextShardIterator();
                if (changes.isEmpty() && iterator != null) {
                    Thread.sleep(settings.pollMillis());
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

    /** Whether this process first listed the shard less than the stream's retention ago. */
    private boolean seenWithinRetention(String shardId) {
        Long seen = firstSeenAt.get(shardId);
        return seen != null && clock.getAsLong() - seen < settings.retention().toMillis();
    }

    /** A new iterator just after the last change kept, or from the oldest record when none was kept. */
    private String iterator(String shardId, String after) {
        return after == null ? shardIterator(shardId, ShardIteratorType.TRIM_HORIZON, null)
                : shardIterator(shardId, ShardIteratorType.AFTER_SEQUENCE_NUMBER, after);
    }

    private String shardIterator(String shardId, ShardIteratorType type, String after) {
        try {
            return retry.execute("GetShardIterator " + shardId, a -> streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shardId)
                    .shardIteratorType(type).sequenceNumber(after)).shardIterator(), classifier, RetryListener.NONE);
        } catch (CutoverException e) {
            if (e.getCause() instanceof TrimmedDataAccessException) {
                throw gap("changes of shard " + shardId + " after " + after + " were trimmed from the stream before Cutover read them");
            }
            throw e;
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
        return shardsAfter(null);
    }

    /** Shards listed after {@code after} (all with null); a stream no longer ENABLED is a gap. */
    private Map<String, Shard> shardsAfter(String after) {
        Map<String, Shard> out = new LinkedHashMap<>();
        String start = after;
        do {
            String from = start;
            DescribeStreamResponse r = retry.execute("DescribeStream", a -> streams.describeStream(b -> b.streamArn(streamArn)
                    .exclusiveStartShardId(from)), classifier, RetryListener.NONE);
            StreamDescription d = r.streamDescription();
            tableName = d.tableName();
            lastStatus = d.streamStatus();
            if (d.streamStatus() == StreamStatus.DISABLED || d.streamStatus() == StreamStatus.DISABLING) {
                throw gap("the stream " + streamArn + " of table '" + d.tableName() + "' is " + d.streamStatusAsString()
                        + " (disabled or replaced while Cutover captured it), so later changes never reached Cutover");
            }
            d.shards().forEach(s -> out.put(s.shardId(), s));
            if (!d.shards().isEmpty()) {
                lastShardId = d.shards().get(d.shards().size() - 1).shardId();
            }
            start = d.lastEvaluatedShardId();
        } while (start != null);
        return out;
    }

    private static CutoverException gap(String what) {
        return new CutoverException(ErrorCode.STREAM_GAP, what + ": the target can no longer be kept exact; start the migration"
                + " over with --restart (and keep the table's stream enabled and capture running, within the stream's 24-hour retention)");
    }

    /** The first failure of any reader, or null; a caller polls this and stops the migration on one. */
    public CutoverException failure() {
        return failure.get();
    }

    public long captured() {
        return captured.sum();
    }

    /** Shards with a reader now (tests). */
    int readersActive() {
        return reading.size();
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
