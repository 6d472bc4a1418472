package io.cutover.mongodb;

import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.verify.VerifySide;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A MongoDB collection seen through its mapping, as one side of {@code cutover verify}: the same
 * {@code _id} ranges as the backfill, and lookups by item key. A document with no exact item appears
 * as its key with a marker attribute, so the verifier reports it (missing in the target) instead of
 * passing over it.
 */
public final class MongoVerifySide implements VerifySide {
    static final String UNMAPPABLE = "cutover:unmappable";

    private final MongoCollectionSource source;
    private final int pageSize;

    public MongoVerifySide(MongoCollectionSource source, int pageSize) {
        this.source = source;
        this.pageSize = pageSize;
    }

    @Override
    public String describe() {
        return "source " + source.describe() + " (through the mapping)";
    }

    @Override
    public List<? extends SnapshotUnit> units(int segments) {
        List<SnapshotUnit> out = new ArrayList<>();
        for (IdRangeUnit u : source.units(source.splitPoints(segments), null, pageSize, u -> { })) {
            out.add(new MarkingUnit(u));
        }
        return out;
    }

    /** Reads documents itself so that unmappable ones are kept as markers. */
    private final class MarkingUnit implements SnapshotUnit {
        private final IdRangeUnit unit;
        private final List<Map<String, AttributeValue>> markers = new ArrayList<>();

        MarkingUnit(IdRangeUnit unit) {
            this.unit = unit;
        }

        @Override
        public String id() {
            return unit.id();
        }

        @Override
        public Page readPage(Position after) {
            markers.clear();
            Page page = unit.withUnmapped(u -> markers.add(marker(u))).readPage(after);
            if (markers.isEmpty()) {
                return page;
            }
            List<Map<String, AttributeValue>> items = new ArrayList<>(page.items());
            items.addAll(markers);
            return new Page(items, page.next());
        }

        @Override
        public Position decode(String encoded) {
            return unit.decode(encoded);
        }
    }

    private Map<String, AttributeValue> marker(IdRangeUnit.Unmapped u) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        try {
            item.putAll(source.mapper().key(u.document()));
        } catch (UnmappableDocumentException e) {
            item.put(source.mapper().mapping().keyAttribute(), AttributeValue.fromS("unmappable key: " + u.document().get("_id")));
        }
        item.put(UNMAPPABLE, AttributeValue.fromS(u.reason()));
        return item;
    }

    @Override
    public Map<String, AttributeValue> lookup(Map<String, AttributeValue> key) {
        BsonDocument d = source.lookup(key);
        if (d == null) {
            return null;
        }
        try {
            return source.mapper().item(d);
        } catch (UnmappableDocumentException e) {
            return marker(new IdRangeUnit.Unmapped(d, e.getMessage()));
        }
    }

    @Override
    public long estimatedItems() {
        return source.estimatedDocuments();
    }
}
