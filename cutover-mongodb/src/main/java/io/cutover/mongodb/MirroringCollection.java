package io.cutover.mongodb;

import com.mongodb.ReadPreference;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.journal.RetryJournal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.bson.BsonDocument;
import org.bson.BsonDocumentWrapper;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Dual write for applications whose MongoDB has no change streams (docs/mongodb.md, "Mirror"): wraps
 * the application's {@code MongoCollection<Document>}; each write goes to MongoDB first (MongoDB stays
 * the source of truth, and its result or exception is the caller's), then the document's full image,
 * read back by {@code _id}, is mirrored to the DynamoDB table through the same {@link DocumentMapping}
 * as the migration (or its key deleted). A mirror write that fails never fails the application's write
 * and is never lost: the durable {@link RetryJournal} holds an <em>intent</em> for it, appended before
 * MongoDB is written and removed once the mirror holds the write (the journal design of
 * {@code MigratingStore}, decisions 0071 and 0140), so a failure, a {@code kill -9} between the two
 * writes, or a MongoDB write that timed out but landed all leave the entry, which a background drainer
 * replays by reading the document's current state again (decision 0016). While a key has a journaled
 * write, later writes of that key are journaled behind it.
 *
 * <p>Thread-safe: writes of the same key are serialised with striped locks (MongoDB write, read-back
 * and mirror under one lock), so two threads cannot mirror one key's images out of order. Writes of
 * other keys run in parallel. Counts: {@link #metrics}.
 */
public final class MirroringCollection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MirroringCollection.class);
    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    private static final int STRIPES = 256;

    /** What the mirror did so far: writes mirrored at once, journaled after a failure, drained later, still pending. */
    public record Metrics(long mirrored, long journaled, long drained, long pending, long unmappable) {
    }

    private final MongoCollection<Document> collection;
    private final DeadLetterSink deadLetters;
    final MongoCollection<BsonDocument> readBackFrom;
    /** Reads a document back by {@code _id} from the primary (whatever the application's read preference); tests replace it to fail. */
    java.util.function.Function<BsonValue, BsonDocument> readBack;
    private final DocumentMapper mapper;
    private final DynamoDbClient dynamoDb;
    private final String table;
    private final RetryJournal journal;
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private final LongAdder mirrored = new LongAdder();
    private final LongAdder unmappable = new LongAdder();
    private final ScheduledExecutorService drainer;

    /**
     * @param drainEveryMillis how often the background drainer replays the journal (0: never; call {@link #drainNow})
     */
    public MirroringCollection(MongoCollection<Document> collection, DocumentMapping mapping, DynamoDbClient dynamoDb, String table,
                               RetryJournal journal, long drainEveryMillis) {
        this(collection, mapping, dynamoDb, table, journal, drainEveryMillis, new LoggingDeadLetters());
    }

    /**
     * @param deadLetters where a document with no exact item goes, with its reason (for example a
     *                    {@link io.cutover.core.deadletter.FileDeadLetterSink}); the other constructor logs it at WARN
     */
    public MirroringCollection(MongoCollection<Document> collection, DocumentMapping mapping, DynamoDbClient dynamoDb, String table,
                               RetryJournal journal, long drainEveryMillis, DeadLetterSink deadLetters) {
        this.collection = collection;
        // a secondary may not have the write yet: its old state would be mirrored (an insert as a delete)
        this.readBackFrom = collection.withDocumentClass(BsonDocument.class).withReadPreference(ReadPreference.primary());
        this.readBack = id -> readBackFrom.find(new BsonDocument("_id", id)).first();
        this.deadLetters = deadLetters;
        this.mapper = new DocumentMapper(mapping);
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.journal = journal;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
        if (drainEveryMillis > 0) {
            drainer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cutover-mirror-drainer");
                t.setDaemon(true);
                return t;
            });
            drainer.scheduleWithFixedDelay(this::drainQuietly, drainEveryMillis, drainEveryMillis, TimeUnit.MILLISECONDS);
        } else {
            drainer = null;
        }
    }

    /** The wrapped collection, for reads (reads need no mirroring). */
    public MongoCollection<Document> collection() {
        return collection;
    }

    public void insertOne(Document document) {
        BsonValue id = ensureId(document);
        withLock(id, () -> {
            Intent intent = intent(id, null);
            write(intent, () -> collection.insertOne(document));
            mirror(id, null, intent);
        });
    }

    public void insertMany(List<Document> documents) {
        List<BsonValue> ids = new ArrayList<>();
        for (Document d : documents) {
            ids.add(ensureId(d));
        }
        List<Intent> intents = new ArrayList<>();
        for (BsonValue id : ids) {
            withLock(id, () -> intents.add(intent(id, null)));
        }
        try {
            collection.insertMany(documents);
        } finally {
            // also after a partial failure (a duplicate key midway): mirror whatever MongoDB now holds for each id
            for (int i = 0; i < ids.size(); i++) {
                BsonValue id = ids.get(i);
                Intent intent = intents.get(i);
                withLock(id, () -> mirror(id, null, intent));
            }
        }
    }

    /**
     * Replaces the document with this {@code _id} (not an upsert), then mirrors its image. With a key
     * field or sort key other than {@code _id}, the item key is read first (from the primary), so that
     * a replacement that changes it deletes the old item; if that read fails, MongoDB is not written and
     * the exception is the caller's.
     */
    public void replaceOne(Object id, Document replacement) {
        BsonValue bid = toBson(id);
        withLock(bid, () -> {
            Map<String, AttributeValue> oldKey = keyBefore(bid);
            Intent intent = intent(bid, oldKey);
            write(intent, () -> collection.replaceOne(Filters.eq("_id", id), replacement, new ReplaceOptions()));
            mirror(bid, oldKey, intent);
        });
    }

    /** Updates the document with this {@code _id}, then reads it back and mirrors the full image (an old item key is handled as in {@link #replaceOne}). */
    public void updateOne(Object id, Bson update) {
        BsonValue bid = toBson(id);
        withLock(bid, () -> {
            Map<String, AttributeValue> oldKey = keyBefore(bid);
            Intent intent = intent(bid, oldKey);
            write(intent, () -> collection.updateOne(Filters.eq("_id", id), update));
            mirror(bid, oldKey, intent);
        });
    }

    public void deleteOne(Object id) {
        BsonValue bid = toBson(id);
        withLock(bid, () -> {
            // the item key comes from the document (a --key-field or sort key other than _id needs it)
            BsonDocument before = readBack.apply(bid);
            Map<String, AttributeValue> oldKey = before == null ? null : keyOrNull(before);
            Intent intent = intent(bid, oldKey);
            write(intent, () -> collection.deleteOne(Filters.eq("_id", id)));
            if (before != null) {
                mirror(bid, oldKey, intent);
            } else {
                intent.complete(); // no document, so no item: nothing to mirror
            }
        });
    }

    /** Deletes the documents with these {@code _id}s, one key at a time so each delete is mirrored under its key's lock. */
    public void deleteMany(Collection<?> ids) {
        for (Object id : ids) {
            deleteOne(id);
        }
    }

    /** The item key of the document before a write, when the key is not the {@code _id} alone (else null: the _id is enough). */
    private Map<String, AttributeValue> keyBefore(BsonValue id) {
        DocumentMapping m = mapper.mapping();
        if (m.keyField().equals("_id") && m.sortKeyField().isEmpty()) {
            return null;
        }
        BsonDocument before = readBack.apply(id);
        return before == null ? null : keyOrNull(before);
    }

    private Map<String, AttributeValue> keyOrNull(BsonDocument d) {
        try {
            return mapper.key(d);
        } catch (UnmappableDocumentException e) {
            return null;
        }
    }

    /**
     * The write-ahead intent of one write (decision 0140): appended to the journal before MongoDB is written, so that
     * whatever happens next (a failed mirror, a crash between the two writes, a MongoDB write that timed out but landed),
     * the entry is there and its replay mirrors the document's current state. {@code behind}: the key already had an
     * entry, so this one stays queued behind it whatever happens.
     */
    private final class Intent {
        final long id;
        final String key;
        final boolean behind;

        Intent(long id, String key, boolean behind) {
            this.id = id;
            this.key = key;
            this.behind = behind;
        }

        void complete() {
            if (!behind) {
                journal.complete(id, key);
            }
        }
    }

    /** Appends the intent of a write of {@code id}; the caller holds the key's lock. */
    private Intent intent(BsonValue id, Map<String, AttributeValue> oldKey) {
        String journalKey = journalKey(id);
        boolean behind = journal.pendingFor(journalKey);
        long entry = journal.append(journalKey, payload(id, oldKey), behind ? "behind an earlier journaled write of the same key"
                : "write-ahead intent: the mirror of this write had not completed");
        return new Intent(entry, journalKey, behind);
    }

    /**
     * Runs the application's MongoDB write. A write MongoDB refused ({@link com.mongodb.MongoWriteException}: a duplicate
     * key, a validation error) changed nothing, so its intent is completed; after any other failure the write may have
     * landed, and the intent stays for the drainer. Either way the exception is the application's.
     */
    private void write(Intent intent, Runnable mongoWrite) {
        try {
            mongoWrite.run();
        } catch (com.mongodb.MongoWriteException refused) {
            intent.complete();
            throw refused;
        }
    }

    /**
     * Mirrors the document's current state, read back from the primary: its image, or a delete when it is
     * gone; {@code oldKey} (the item key before the write, or null) is deleted when the key changed. The
     * read-back and the write are both inside the journal's net: a failure of either leaves the intent.
     */
    private void mirror(BsonValue id, Map<String, AttributeValue> oldKey, Intent intent) {
        if (intent.behind) {
            return; // queued behind an earlier entry of the key; the drainer delivers both in order
        }
        try {
            if (settle(id, readBack.apply(id), oldKey)) {
                mirrored.increment();
            }
            intent.complete();
        } catch (UnmappableDocumentException e) {
            // only a delete whose key cannot be mapped: no such item can be in the table
            unmappable.increment();
            intent.complete();
        } catch (RuntimeException e) {
            if (journal.pendingFor(intent.key)) {
                journal.recordFailure(intent.id, String.valueOf(e.getMessage()));
            } else {
                // the drainer replayed the intent meanwhile (insertMany releases the key's lock before MongoDB is written)
                journal.append(intent.key, payload(id, oldKey), String.valueOf(e.getMessage()));
            }
        }
    }

    /**
     * Makes the table hold {@code current}'s image: the old key's item deleted when the key changed or the
     * document is gone, the image put. A document with no exact item is dead-lettered with the reason, and
     * its key's item deleted, so no stale image stays behind (as change-stream mode does). Returns whether
     * the image (or delete) was mirrored.
     */
    private boolean settle(BsonValue id, BsonDocument current, Map<String, AttributeValue> oldKey) {
        Map<String, AttributeValue> item = null;
        Map<String, AttributeValue> newKey = null;
        String unmappableReason = null;
        if (current != null) {
            newKey = keyOrNull(current);
            try {
                item = mapper.item(current);
            } catch (UnmappableDocumentException e) {
                unmappableReason = e.getMessage();
            }
        }
        if (oldKey != null && !oldKey.equals(newKey)) {
            dynamoDb.deleteItem(b -> b.tableName(table).key(oldKey));
        }
        if (current == null) {
            if (oldKey == null && mapper.mapping().keyField().equals("_id") && mapper.mapping().sortKeyField().isEmpty()) {
                dynamoDb.deleteItem(b -> b.tableName(table).key(Map.of(mapper.mapping().keyAttribute(), mapper.keyValue(id, "_id"))));
            }
            // else: no document and no old key, so the write changed nothing that had an item
            return true;
        }
        if (unmappableReason != null) {
            if (newKey != null) {
                Map<String, AttributeValue> stale = newKey;
                dynamoDb.deleteItem(b -> b.tableName(table).key(stale));
            }
            deadLetters.accept(table, DeadLetters.item(current, mapper), unmappableReason);
            unmappable.increment();
            LOG.warn("document _id {} has no exact DynamoDB item: dead-lettered, its item deleted ({})", id, unmappableReason);
            return false;
        }
        Map<String, AttributeValue> image = item;
        dynamoDb.putItem(b -> b.tableName(table).item(image));
        return true;
    }

    /** Replays journaled writes now, oldest first; returns how many were drained. */
    public int drainNow() {
        RetryJournal.DrainResult r = journal.drain(500, entry -> {
            BsonDocument p = BsonDocument.parse(entry.payload());
            BsonValue id = p.get("_id");
            Map<String, AttributeValue> oldKey = p.containsKey("key") ? io.cutover.core.item.DynamoDbJson.read(p.getString("key").getValue()) : null;
            ReentrantLock lock = lock(id);
            lock.lock();
            try {
                settle(id, readBack.apply(id), oldKey);
            } catch (UnmappableDocumentException e) {
                unmappable.increment();
            } finally {
                lock.unlock();
            }
        });
        return r.drained();
    }

    private void drainQuietly() {
        try {
            drainNow();
        } catch (RuntimeException e) {
            LOG.warn("mirror drain failed, will retry: {}", e.getMessage());
        }
    }

    public Metrics metrics() {
        RetryJournal.Counts c = journal.counts();
        return new Metrics(mirrored.sum(), c.journaled(), c.drained(), c.pending(), unmappable.sum());
    }

    private BsonValue ensureId(Document d) {
        if (!d.containsKey("_id")) {
            d.put("_id", new org.bson.types.ObjectId());
        }
        return toBson(d.get("_id"));
    }

    private BsonValue toBson(Object id) {
        return new BsonDocumentWrapper<>(new Document("_id", id), collection.getCodecRegistry().get(Document.class)).get("_id");
    }

    private static String journalKey(BsonValue id) {
        return new BsonDocument("_id", id).toJson(CANONICAL);
    }

    /** A journal entry: the {@code _id}, and the item key before the write when it may have changed (the drain deletes it then). */
    private static String payload(BsonValue id, Map<String, AttributeValue> oldKey) {
        BsonDocument p = new BsonDocument("_id", id);
        if (oldKey != null) {
            p.append("key", new org.bson.BsonString(io.cutover.core.item.DynamoDbJson.write(oldKey)));
        }
        return p.toJson(CANONICAL);
    }

    private ReentrantLock lock(BsonValue id) {
        return locks[Math.floorMod(journalKey(id).hashCode(), STRIPES)];
    }

    private void withLock(BsonValue id, Runnable r) {
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the drainer; the journal (owned by the caller) keeps what is pending for the next start. */
    @Override
    public void close() {
        if (drainer != null) {
            drainer.shutdown();
            try {
                drainer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Without a sink of the caller's: the reason at WARN, with the document's key, never its contents. */
    private static final class LoggingDeadLetters implements DeadLetterSink {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void accept(String table, Map<String, AttributeValue> item, String reason) {
            count.incrementAndGet();
            LOG.warn("not mirrored to {}: {}", table, reason);
        }

        @Override
        public long count() {
            return count.get();
        }

        @Override
        public void close() {
        }
    }

    static String canonicalKey(Map<String, AttributeValue> key) {
        return CanonicalItem.of(key);
    }
}
