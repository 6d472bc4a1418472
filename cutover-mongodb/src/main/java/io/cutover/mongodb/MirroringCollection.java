package io.cutover.mongodb;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
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
 * and is never lost: it goes to the durable {@link RetryJournal}, which a background drainer replays
 * by reading the document's current state again (decision 0016). While a key has a journaled write,
 * later writes of that key are journaled behind it.
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
    private final MongoCollection<BsonDocument> raw;
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
        this.collection = collection;
        this.raw = collection.withDocumentClass(BsonDocument.class);
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
            collection.insertOne(document);
            mirror(id);
        });
    }

    public void insertMany(List<Document> documents) {
        List<BsonValue> ids = new ArrayList<>();
        for (Document d : documents) {
            ids.add(ensureId(d));
        }
        try {
            collection.insertMany(documents);
        } finally {
            // also after a partial failure (a duplicate key midway): mirror whatever MongoDB now holds for each id
            for (BsonValue id : ids) {
                withLock(id, () -> mirror(id));
            }
        }
    }

    /** Replaces the document with this {@code _id} (not an upsert), then mirrors its image. */
    public void replaceOne(Object id, Document replacement) {
        BsonValue bid = toBson(id);
        withLock(bid, () -> {
            collection.replaceOne(Filters.eq("_id", id), replacement, new ReplaceOptions());
            mirror(bid);
        });
    }

    /** Updates the document with this {@code _id}, then reads it back and mirrors the full image. */
    public void updateOne(Object id, Bson update) {
        BsonValue bid = toBson(id);
        withLock(bid, () -> {
            collection.updateOne(Filters.eq("_id", id), update);
            mirror(bid);
        });
    }

    public void deleteOne(Object id) {
        BsonValue bid = toBson(id);
        withLock(bid, () -> {
            // the item key comes from the document (a --key-field or sort key other than _id needs it)
            BsonDocument before = raw.find(new BsonDocument("_id", bid)).first();
            collection.deleteOne(Filters.eq("_id", id));
            if (before != null) {
                mirrorDelete(bid, before);
            }
        });
    }

    /** Deletes the documents with these {@code _id}s, one key at a time so each delete is mirrored under its key's lock. */
    public void deleteMany(Collection<?> ids) {
        for (Object id : ids) {
            deleteOne(id);
        }
    }

    /** Mirrors the document's current state: its image, or a delete when it is gone. */
    private void mirror(BsonValue id) {
        BsonDocument current = raw.find(new BsonDocument("_id", id)).first();
        String journalKey = journalKey(id);
        if (journal.pendingFor(journalKey)) {
            journal.append(journalKey, payload(id), "behind an earlier journaled write of the same key");
            return;
        }
        try {
            write(id, current);
            mirrored.increment();
        } catch (UnmappableDocumentException e) {
            unmappable.increment();
            LOG.warn("document _id {} has no exact DynamoDB item and is not mirrored: {}", id, e.getMessage());
        } catch (RuntimeException e) {
            journal.append(journalKey, payload(id), String.valueOf(e.getMessage()));
        }
    }

    private void mirrorDelete(BsonValue id, BsonDocument before) {
        String journalKey = journalKey(id);
        Map<String, AttributeValue> key;
        try {
            key = mapper.key(before);
        } catch (UnmappableDocumentException e) {
            unmappable.increment();
            return;
        }
        if (journal.pendingFor(journalKey)) {
            journal.append(journalKey, payload(id, key), "behind an earlier journaled write of the same key");
            return;
        }
        try {
            dynamoDb.deleteItem(b -> b.tableName(table).key(key));
            mirrored.increment();
        } catch (RuntimeException e) {
            journal.append(journalKey, payload(id, key), String.valueOf(e.getMessage()));
        }
    }

    /** Writes the image of {@code current}, or deletes {@code id}'s item when the document is gone. */
    private void write(BsonValue id, BsonDocument current) {
        if (current == null && !mapper.mapping().keyField().equals("_id")) {
            // no document: the write changed nothing, and its item key (not its _id) cannot be known from here
            return;
        }
        if (current == null) {
            dynamoDb.deleteItem(b -> b.tableName(table).key(Map.of(mapper.mapping().keyAttribute(), mapper.keyValue(id, "_id"))));
        } else {
            Map<String, AttributeValue> item = mapper.item(current);
            dynamoDb.putItem(b -> b.tableName(table).item(item));
        }
    }

    /** Replays journaled writes now, oldest first; returns how many were drained. */
    public int drainNow() {
        RetryJournal.DrainResult r = journal.drain(500, entry -> {
            BsonDocument p = BsonDocument.parse(entry.payload());
            BsonValue id = p.get("_id");
            ReentrantLock lock = lock(id);
            lock.lock();
            try {
                BsonDocument current = raw.find(new BsonDocument("_id", id)).first();
                if (current == null && p.containsKey("key")) {
                    // a delete of a document whose item key is not its _id: the key was kept with the entry
                    dynamoDb.deleteItem(b -> b.tableName(table).key(io.cutover.core.item.DynamoDbJson.read(p.getString("key").getValue())));
                } else {
                    write(id, current);
                }
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

    private static String payload(BsonValue id) {
        return new BsonDocument("_id", id).toJson(CANONICAL);
    }

    private static String payload(BsonValue id, Map<String, AttributeValue> key) {
        return new BsonDocument("_id", id).append("key", new org.bson.BsonString(io.cutover.core.item.DynamoDbJson.write(key))).toJson(CANONICAL);
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

    static String canonicalKey(Map<String, AttributeValue> key) {
        return CanonicalItem.of(key);
    }
}
