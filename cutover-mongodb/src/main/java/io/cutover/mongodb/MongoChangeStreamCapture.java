package io.cutover.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import com.mongodb.client.model.changestream.FullDocument;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.retry.RetryPolicy;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Captures a collection's change stream into the change log (docs/decisions/0013-mongodb-change-streams.md):
 * inserts, updates, replaces and deletes become full-image PUTs and DELETEs of the item key, appended
 * in stream order with the resume token of the last one in the same transaction. The stream is opened
 * with {@code fullDocument: updateLookup}; when an update event carries no full document (the
 * document is gone by the time of the lookup, or the server's lookup is incomplete), the document is
 * looked up by {@code _id} here, and a missing document becomes a DELETE. Either way the image is the
 * document's state at or after the event, and a later change of the key comes later in the log, so
 * the last change of each key in the log is its current state: per key, the replay converges.
 *
 * <p>Threading: {@link #open} on the caller's thread before the backfill; {@link #start} runs the
 * capture on its own daemon thread until {@link #close}; {@link #failure} may be read from any thread.
 */
public final class MongoChangeStreamCapture implements AutoCloseable {
    public static final String PARTITION = "change-stream";
    private static final Logger LOG = LoggerFactory.getLogger(MongoChangeStreamCapture.class);
    private static final int BATCH = 500;
    static final long IDLE_SAVE_MILLIS = 1000;

    private final MongoCollectionSource source;
    private final ChangeLog log;
    private final DeadLetterSink deadLetters;
    private final String targetTable;
    private final AtomicLong unidentified = new AtomicLong();
    private final AtomicLong lookedUp = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile CutoverException failure;
    private volatile boolean closed;
    private final AtomicLong idleSaves = new AtomicLong();
    private final AtomicLong reopened = new AtomicLong();
    private static final RetryPolicy RETRY = RetryPolicy.defaults();
    private final java.util.function.LongSupplier clock;
    private MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor;
    private Thread thread;
    // the capture thread's own: the batch being gathered, its last token, and the last token saved to the log
    private List<ChangeRecord> batch = new ArrayList<>();
    private BsonDocument lastToken;
    private BsonDocument savedToken;
    private long savedAt;
    private volatile long emptyPollStarted = Long.MIN_VALUE;

    public MongoChangeStreamCapture(MongoCollectionSource source, ChangeLog log, DeadLetterSink deadLetters, String targetTable) {
        this(source, log, deadLetters, targetTable, null, System::currentTimeMillis);
    }

    /** With an open cursor and a millisecond clock of the test's (tests: {@link #pollOnce} without a server). */
    MongoChangeStreamCapture(MongoCollectionSource source, ChangeLog log, DeadLetterSink deadLetters, String targetTable,
                             MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor, java.util.function.LongSupplier clock) {
        this.source = source;
        this.log = log;
        this.deadLetters = deadLetters;
        this.targetTable = targetTable;
        this.cursor = cursor;
        this.clock = clock;
    }

    /**
     * Opens the stream: from the position kept in the log, or, the first time, from now, recording
     * that position in the log before returning (so before the backfill reads anything).
     */
    public ChangeStreamPosition open() {
        // a connection that drops while the stream opens is retried (MongoCollectionSource.unreachable calls it TRANSIENT)
        return MongoCollectionSource.CHECK_RETRY.execute("open the change stream of " + source.describe(), attempt -> openOnce(),
                e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.INTERNAL, String.valueOf(e), e),
                io.cutover.core.retry.RetryListener.NONE);
    }

    private ChangeStreamPosition openOnce() {
        PartitionPosition kept = log.positions().get(PARTITION);
        try {
            if (kept != null && kept.lastPosition() != null) {
                ChangeStreamPosition from = ChangeStreamPosition.decode(kept.lastPosition());
                cursor = watch(from).cursor();
                savedToken = from instanceof ChangeStreamPosition.Token t ? t.token() : null;
                savedAt = clock.getAsLong();
                return from;
            }
            cursor = watch(null).cursor();
            BsonDocument token = cursor.getResumeToken();
            ChangeStreamPosition start;
            if (token != null) {
                start = new ChangeStreamPosition.Token(token);
            } else {
                // No post-batch resume token (servers before 4.0.7, mongo-java-server): start at the
                // server's own clock, a little early; replaying a change twice is harmless (0011).
                cursor.close();
                start = new ChangeStreamPosition.OperationTime(serverTime());
                cursor = watch(start).cursor();
            }
            log.append(List.of(), new PartitionPosition(PARTITION, start.encode(), false));
            savedToken = token;
            savedAt = clock.getAsLong();
            return start;
        } catch (MongoCommandException e) {
            if (kept != null && kept.lastPosition() != null) {
                // resuming: this server offered the stream before, so a refusal now is about the saved position, not mirror mode
                throw historyLost(e) ? streamGap(e) : new CutoverException(ErrorCode.REJECTED, "the change stream of " + source.describe()
                        + " refused to resume from the saved position (" + MongoSourceUri.mask(e.getErrorMessage()) + "): run again once;"
                        + " if it is refused again, the position is no longer usable: start again with --restart", e);
            }
            throw new CutoverException(ErrorCode.UNSUPPORTED, "the source " + source.describe() + " offers no change streams ("
                    + MongoSourceUri.mask(e.getErrorMessage()) + "): change streams need a replica set or a sharded cluster."
                    + " Use --mode mirror (the MirroringCollection library in the application), see docs/mongodb.md", e);
        } catch (MongoException e) {
            throw source.unreachable(e);
        }
    }

    /**
     * Just after the newest oplog entry, when the oplog can be read (mongo-java-server; a replica set
     * member to a user with read access on {@code local}); else the server's clock two seconds early.
     */
    private BsonTimestamp serverTime() {
        try {
            Document last = source.client().getDatabase("local").getCollection("oplog.rs").find()
                    .sort(new Document("$natural", -1)).limit(1).first();
            if (last != null && last.get("ts") instanceof BsonTimestamp ts) {
                return new BsonTimestamp(ts.getTime(), ts.getInc() + 1);
            }
        } catch (MongoException noOplogAccess) {
            LOG.debug("cannot read the oplog, starting the change stream from the server's clock: {}", noOplogAccess.getMessage());
        }
        Document hello = source.client().getDatabase("admin").runCommand(new Document("isMaster", 1));
        Object local = hello.get("localTime");
        long millis = local instanceof Date d ? d.getTime() : System.currentTimeMillis();
        return new BsonTimestamp((int) (millis / 1000) - 2, 0);
    }

    private ChangeStreamIterable<BsonDocument> watch(ChangeStreamPosition from) {
        ChangeStreamIterable<BsonDocument> w = source.collection().watch(BsonDocument.class).fullDocument(FullDocument.UPDATE_LOOKUP)
                .maxAwaitTime(200, TimeUnit.MILLISECONDS).batchSize(BATCH);
        if (from instanceof ChangeStreamPosition.Token t) {
            w = w.resumeAfter(t.token());
        } else if (from instanceof ChangeStreamPosition.OperationTime o) {
            w = w.startAtOperationTime(o.time());
        }
        return w;
    }

    /** The dropped connection under a failure that ran out of retries (its causes are the classified failures), or null. */
    static MongoException transientCause(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof MongoException m) {
                return MongoErrorClassifier.isTransient(m) ? m : null;
            }
        }
        return null;
    }

    /** Starts capturing on a daemon thread. */
    public void start() {
        thread = new Thread(this::loop, "cutover-change-stream");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        try {
            long idleSleep = 5;
            while (!closed) {
                boolean event;
                try {
                    event = pollOnce();
                } catch (MongoException e) {
                    if (closed || !MongoErrorClassifier.isTransient(e)) {
                        throw e;
                    }
                    reopen(e);
                    continue;
                } catch (CutoverException e) {
                    // a lookup of a full document that ran out of retries: reopen from the kept position, as for the stream's own read
                    MongoException dropped = transientCause(e);
                    if (closed || dropped == null) {
                        throw e;
                    }
                    reopen(dropped);
                    continue;
                }
                if (event) {
                    idleSleep = 5;
                } else {
                    // A real server waits up to maxAwaitTime for events; mongo-java-server answers at once, and scans its
                    // whole oplog for every poll, so an idle stream backs off (up to 200 ms) instead of spinning.
                    sleep(idleSleep);
                    idleSleep = Math.min(200, idleSleep * 2);
                }
            }
        } catch (CutoverException e) {
            if (!closed) {
                failure = e;
            }
        } catch (MongoCommandException e) {
            if (!closed) {
                failure = historyLost(e) ? streamGap(e) : failed(e);
            }
        } catch (RuntimeException e) {
            if (!closed) {
                failure = failed(e);
            }
        }
        if (failure != null) {
            LOG.error("{}", failure.getMessage());
        }
    }

    /**
     * One {@code tryNext}: an event joins the batch, and the batch is appended with its last token when
     * the stream has nothing more or the batch is full. With no event, the cursor's post-batch resume
     * token (how far the server has looked, events or not) is saved once it moved, at most every
     * {@link #IDLE_SAVE_MILLIS}: a quiet collection in a busy replica set would otherwise keep the token of
     * its last event until the oplog rolls past it, and could never resume. Returns whether an event came.
     */
    boolean pollOnce() {
        long started = System.nanoTime();
        ChangeStreamDocument<BsonDocument> event = cursor.tryNext();
        if (event != null) {
            toChange(event).ifPresent(batch::add);
            lastToken = event.getResumeToken();
        }
        if (lastToken != null && (event == null || batch.size() >= BATCH)) {
            save(batch, lastToken);
            batch = new ArrayList<>();
            lastToken = null;
        }
        if (event == null) {
            // every event committed before this poll started is now in the log (the batch above was appended first)
            emptyPollStarted = started;
            BsonDocument postBatch = cursor.getResumeToken();
            if (postBatch != null && !postBatch.equals(savedToken) && clock.getAsLong() - savedAt >= IDLE_SAVE_MILLIS) {
                save(List.of(), postBatch);
                idleSaves.incrementAndGet();
            }
        }
        return event != null;
    }

    /**
     * After a dropped or reset connection (the driver resumes a stream once by itself; this is for when
     * that failed too): forgets the batch not yet appended and opens the stream again from the position
     * kept in the log, so the forgotten events come again. The reopening is retried by {@link RetryPolicy}.
     */
    private void reopen(MongoException cause) {
        LOG.warn("the change stream of {} was interrupted ({}); reopening it from the last kept position", source.describe(),
                MongoSourceUri.mask(String.valueOf(cause.getMessage())));
        reopened.incrementAndGet();
        batch = new ArrayList<>();
        lastToken = null;
        try {
            cursor.close();
        } catch (RuntimeException alreadyBroken) {
            // the connection is gone anyway
        }
        PartitionPosition kept = log.positions().get(PARTITION);
        ChangeStreamPosition from = ChangeStreamPosition.decode(kept.lastPosition());
        cursor = RETRY.execute("reopening the change stream of " + source.describe(), attempt -> watch(from).cursor(),
                new MongoErrorClassifier(source.describe()), io.cutover.core.retry.RetryListener.NONE);
    }

    private void save(List<ChangeRecord> changes, BsonDocument token) {
        log.append(changes, new PartitionPosition(PARTITION, new ChangeStreamPosition.Token(token).encode(), false));
        savedToken = token;
        savedAt = clock.getAsLong();
    }

    /** The server no longer holds the saved position (the oplog rolled past it): changes since then are lost to capture. */
    static boolean historyLost(MongoCommandException e) {
        // 286 ChangeStreamHistoryLost, 280 ChangeStreamFatalError, 136 CappedPositionLost
        return e.getErrorCode() == 286 || e.getErrorCode() == 280 || e.getErrorCode() == 136
                || String.valueOf(e.getErrorMessage()).toLowerCase(java.util.Locale.ROOT).contains("resume");
    }

    private CutoverException streamGap(MongoCommandException e) {
        return new CutoverException(ErrorCode.STREAM_GAP, "the change stream of " + source.describe() + " cannot resume from the saved"
                + " resume token (" + MongoSourceUri.mask(e.getErrorMessage()) + "): the oplog no longer holds it, so changes since then"
                + " are lost to capture; start again with --restart, and size the oplog to cover the longest stop (docs/mongodb.md)", e);
    }

    private CutoverException failed(RuntimeException e) {
        return new CutoverException(ErrorCode.TRANSIENT, "the change stream of " + source.describe() + " failed: "
                + MongoSourceUri.mask(String.valueOf(e.getMessage())) + "; run again to resume from the last kept resume token", e);
    }

    java.util.Optional<ChangeRecord> toChange(ChangeStreamDocument<BsonDocument> e) {
        String op = e.getOperationTypeString();
        String position = e.getResumeToken().get("_data") != null ? e.getResumeToken().get("_data").toString() : e.getResumeToken().toJson();
        long sourceMillis = e.getClusterTime() != null ? e.getClusterTime().getTime() * 1000L : System.currentTimeMillis();
        long now = System.currentTimeMillis();
        DocumentMapper mapper = source.mapper();
        switch (op) {
            case "insert", "update", "replace": {
                BsonDocument full = e.getFullDocument();
                BsonValue id = full != null && full.containsKey("_id") ? full.get("_id")
                        : e.getDocumentKey() != null && e.getDocumentKey().containsKey("_id") ? e.getDocumentKey().get("_id") : null;
                if (id == null) {
                    // mongo-java-server: an update whose document was deleted before the event was read carries
                    // neither the full document nor its key; the delete that removed it follows in the stream.
                    LOG.warn("update event {} carries no _id (the document was deleted before the event was read; its delete follows):"
                            + " skipped, {} so far", position, unidentified.incrementAndGet());
                    return java.util.Optional.empty();
                }
                if (full == null || !full.containsKey("_id")) {
                    lookedUp.incrementAndGet();
                    full = source.byId(id);
                }
                if (full == null) {
                    return java.util.Optional.of(ChangeRecord.delete(PARTITION, position, idKey(id), sourceMillis, now));
                }
                try {
                    return java.util.Optional.of(ChangeRecord.put(PARTITION, position, mapper.key(full), mapper.item(full), sourceMillis, now));
                } catch (UnmappableDocumentException u) {
                    deadLetters.accept(targetTable, DeadLetters.item(full, mapper), u.getMessage());
                    deadLettered.incrementAndGet();
                    try {
                        // the document has no exact item: the target must not keep an older image of it
                        return java.util.Optional.of(ChangeRecord.delete(PARTITION, position, mapper.key(full), sourceMillis, now));
                    } catch (UnmappableDocumentException keyUnmappable) {
                        return java.util.Optional.empty();
                    }
                }
            }
            case "delete": {
                BsonValue id = e.getDocumentKey().get("_id");
                try {
                    return java.util.Optional.of(ChangeRecord.delete(PARTITION, position, idKey(id), sourceMillis, now));
                } catch (UnmappableDocumentException keyUnmappable) {
                    return java.util.Optional.empty();
                }
            }
            default:
                throw new CutoverException(ErrorCode.STREAM_GAP, "the change stream of " + source.describe() + " reported '" + op
                        + "': the collection was dropped, renamed or invalidated, so the target can no longer be kept exact;"
                        + " start a new migration with --restart");
        }
    }

    private Map<String, AttributeValue> idKey(BsonValue id) {
        DocumentMapper mapper = source.mapper();
        return Map.of(mapper.mapping().keyAttribute(), mapper.keyValue(id, "_id"));
    }

    public CutoverException failure() {
        return failure;
    }

    /** Update events whose document was gone and whose key the server did not send (mongo-java-server only). */
    public long unidentifiedUpdates() {
        return unidentified.get();
    }

    /** Update events without a full document, looked up by _id here. */
    public long lookups() {
        return lookedUp.get();
    }

    /**
     * Waits until a poll of the stream that started after {@code sinceNanos} ({@link System#nanoTime})
     * came back empty: then every change committed (majority-committed, on a replica set) before that
     * moment is in the change log. Returns false after {@code timeoutMillis}, or when the capture failed
     * or was closed. "Quiet for two seconds" is not enough on its own: a half-open connection is quiet
     * until the driver's read timeout, and the events behind it are not lost, only late.
     */
    public boolean awaitCaughtUp(long sinceNanos, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (emptyPollStarted - sinceNanos < 0) {
            if (failure != null || closed || System.nanoTime() - deadline > 0) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    /** Times the stream was reopened after a connection problem the driver did not get over by itself. */
    public long reopens() {
        return reopened.get();
    }

    /** Post-batch resume tokens saved while no event came (0 on servers that send none, such as mongo-java-server). */
    public long idleTokenSaves() {
        return idleSaves.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cursor != null) {
            try {
                cursor.close();
            } catch (RuntimeException ignored) {
                // closing: nothing left to protect
            }
        }
    }
}
