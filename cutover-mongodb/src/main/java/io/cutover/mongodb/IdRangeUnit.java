package io.cutover.mongodb;

import com.mongodb.client.MongoCollection;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One range of a collection's {@code _id}s, [lower, upper), read in {@code _id} order a page at a
 * time with an index range scan ({@code _id > last, _id < upper}), so a resumed range starts right
 * after its last acknowledged {@code _id}. A document with no exact DynamoDB form is dead-lettered
 * with its reason as it is read (a resumed page may dead-letter it again: the dead-letter file can
 * hold a document twice, the target never does).
 *
 * <p>One thread reads a unit at a time (the {@link io.cutover.core.copy.BulkCopier}'s contract).
 */
public final class IdRangeUnit implements SnapshotUnit {
    private static final io.cutover.core.retry.RetryPolicy RETRY = io.cutover.core.retry.RetryPolicy.defaults();
    private final String id;
    private final MongoCollection<BsonDocument> collection;
    private final BsonValue lower;
    private final BsonValue upper;
    private final BsonDocument cut;
    private final int pageSize;
    private final DocumentMapper mapper;
    private final Consumer<Unmapped> onUnmapped;

    /** A document that could not be mapped, and why. */
    public record Unmapped(BsonDocument document, String reason) {
    }

    /**
     * @param lower inclusive, or null for the start of the collection
     * @param upper exclusive, or null for its end
     * @param cut   an extra filter ({@code --until}), or null
     */
    public IdRangeUnit(String id, MongoCollection<BsonDocument> collection, BsonValue lower, BsonValue upper, BsonDocument cut, int pageSize,
                       DocumentMapper mapper, Consumer<Unmapped> onUnmapped) {
        this.id = id;
        this.collection = collection;
        this.lower = lower;
        this.upper = upper;
        this.cut = cut;
        this.pageSize = pageSize;
        this.mapper = mapper;
        this.onUnmapped = onUnmapped;
    }

    /** Dead-letters unmappable documents into {@code sink} as items holding the key (when it maps) and the document as Extended JSON. */
    public static Consumer<Unmapped> deadLetterTo(DeadLetterSink sink, String table, DocumentMapper mapper) {
        return u -> sink.accept(table, DeadLetters.item(u.document(), mapper), u.reason());
    }

    /** The same range, telling {@code handler} of unmappable documents instead. */
    public IdRangeUnit withUnmapped(Consumer<Unmapped> handler) {
        return new IdRangeUnit(id, collection, lower, upper, cut, pageSize, mapper, handler);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Page readPage(Position after) {
        BsonDocument range = new BsonDocument();
        if (after != null) {
            range.put("$gt", ((IdPosition) after).id());
        } else if (lower != null) {
            range.put("$gte", lower);
        }
        if (upper != null) {
            range.put("$lt", upper);
        }
        BsonDocument filter = range.isEmpty() ? new BsonDocument() : new BsonDocument("_id", range);
        if (cut != null) {
            filter = new BsonDocument("$and", new org.bson.BsonArray(List.of(filter, cut)));
        }
        BsonDocument query = filter;
        // a reset or timed-out connection is retried here (the page is read again whole); if the retries run out, the
        // checkpoint stays at the last acknowledged page and a run again resumes there
        List<BsonDocument> docs = RETRY.execute("reading " + id + " of the collection", attempt -> collection.find(query)
                .sort(new BsonDocument("_id", new org.bson.BsonInt32(1))).limit(pageSize).into(new ArrayList<>(pageSize)),
                new MongoErrorClassifier("the source collection " + collection.getNamespace()), io.cutover.core.retry.RetryListener.NONE);
        List<Map<String, AttributeValue>> items = new ArrayList<>(docs.size());
        for (BsonDocument d : docs) {
            try {
                items.add(mapper.item(d));
            } catch (UnmappableDocumentException e) {
                onUnmapped.accept(new Unmapped(d, e.getMessage()));
            }
        }
        Position next = docs.size() < pageSize ? null : new IdPosition(docs.get(docs.size() - 1).get("_id"));
        return new Page(items, next);
    }

    @Override
    public Position decode(String encoded) {
        return IdPosition.decode(encoded);
    }
}
