package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.item.CanonicalItem;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The backfill's writer in mirror mode (docs/decisions/0015-mirror-backfill-read-back.md): while the
 * application mirrors its writes, a backfilled image read before a mirrored write could land after
 * it and undo it. So after each page is acknowledged, its documents are read again from MongoDB; a
 * key whose document changed (or vanished) since is written again with the new image (or deleted),
 * and read again, until MongoDB, read after the target's acknowledgement, holds what was written.
 * From then on the application's own mirrored write, which follows its MongoDB write, is the later
 * one. The future completes only then, so the page's checkpoint never moves before.
 */
final class ReadBackWriter implements TargetWriter {
    private static final int MAX_ROUNDS = 50;

    private final DynamoDbBatchWriter writer;
    private final MongoCollectionSource source;
    private final AtomicLong rewritten = new AtomicLong();

    ReadBackWriter(DynamoDbBatchWriter writer, MongoCollectionSource source) {
        this.writer = writer;
        this.source = source;
    }

    @Override
    public CompletableFuture<WriteOutcome> write(List<Map<String, AttributeValue>> items) {
        DocumentMapper mapper = source.mapper();
        Map<String, Map<String, AttributeValue>> expected = new LinkedHashMap<>();
        for (Map<String, AttributeValue> item : items) {
            expected.put(CanonicalItem.of(keyOf(item, mapper)), item);
        }
        return writer.write(items).thenCompose(outcome -> settle(expected, 0).thenApply(settled -> outcome));
    }

    /**
     * One round: reads the keys back, rewrites what changed, and chains the next round on the rewrite's
     * completion. Never waits for the writer's own pool from one of its threads: a join there starved the
     * pool once every thread held a page that needed a rewrite (the backfill hung; MirrorMigrationIT).
     */
    private CompletableFuture<Void> settle(Map<String, Map<String, AttributeValue>> expected, int round) {
        if (expected.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (round >= MAX_ROUNDS) {
            return CompletableFuture.failedFuture(new CutoverException(ErrorCode.TRANSIENT, "the backfill could not settle " + expected.size()
                    + " keys against the mirror after " + MAX_ROUNDS + " rounds (they change too fast); run again to resume"));
        }
        DocumentMapper mapper = source.mapper();
        Map<String, Map<String, AttributeValue>> now = current(expected.values(), mapper);
        List<WriteRequest> fixes = new ArrayList<>();
        Map<String, Map<String, AttributeValue>> next = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, AttributeValue>> e : expected.entrySet()) {
            Map<String, AttributeValue> fresh = now.get(e.getKey());
            Map<String, AttributeValue> was = e.getValue();
            boolean same = fresh == null ? was.containsKey(DELETED) : !was.containsKey(DELETED) && CanonicalItem.of(fresh).equals(CanonicalItem.of(was));
            if (same) {
                continue;
            }
            Map<String, AttributeValue> key = keyOf(was, mapper);
            fixes.add(fresh != null ? WriteRequest.builder().putRequest(PutRequest.builder().item(fresh).build()).build()
                    : WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build());
            next.put(e.getKey(), fresh != null ? fresh : deletedMarker(key));
        }
        if (fixes.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        rewritten.addAndGet(fixes.size());
        return writer.writeRequests(fixes).thenCompose(done -> settle(next, round + 1));
    }

    private static final String DELETED = "\u0000deleted";

    private static Map<String, AttributeValue> deletedMarker(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> m = new LinkedHashMap<>(key);
        m.put(DELETED, AttributeValue.fromBool(true));
        return m;
    }

    private static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item, DocumentMapper mapper) {
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        for (String k : mapper.mapping().keyAttributes()) {
            key.put(k, item.get(k));
        }
        return key;
    }

    /** The current mapped image of each key (absent: no document, or one that does not map), in one query. */
    private Map<String, Map<String, AttributeValue>> current(java.util.Collection<Map<String, AttributeValue>> items, DocumentMapper mapper) {
        Map<String, Map<String, AttributeValue>> out = new LinkedHashMap<>();
        for (BsonDocument d : source.lookupAll(items.stream().map(i -> keyOf(i, mapper)).toList())) {
            try {
                out.put(CanonicalItem.of(mapper.key(d)), mapper.item(d));
            } catch (UnmappableDocumentException e) {
                // dead-lettered where it was read; not expected in the target
            }
        }
        return out;
    }

    long rewritten() {
        return rewritten.get();
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
}
