package io.cutover.core.verify;

import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.version.VersionAttribute;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One side of a verify of a phased cut-over, as the application sees it: tombstones (deletes kept with their version)
 * read as absent. A SQL table keeps a tombstone in the deleted row, or nowhere when no row held the key, while DynamoDB
 * keeps a key-only item, so comparing tombstones would report differences no application can observe
 * (docs/decisions/0130); a restore into a SQL source compares the same way (0180). Same threading as the side it wraps.
 */
public final class LiveItemsOnly implements VerifySide {
    private final VerifySide side;
    private final VersionAttribute versions;

    public LiveItemsOnly(VerifySide side, VersionAttribute versions) {
        this.side = side;
        this.versions = versions;
    }

    @Override
    public String describe() {
        return side.describe();
    }

    @Override
    public List<? extends SnapshotUnit> units(int segments) {
        return side.units(segments).stream().map(u -> (SnapshotUnit) new SnapshotUnit() {
            @Override
            public String id() {
                return u.id();
            }

            @Override
            public Page readPage(Position after) {
                Page p = u.readPage(after);
                return new Page(p.items().stream().filter(i -> !versions.isTombstone(i)).toList(), p.next());
            }

            @Override
            public Position decode(String encoded) {
                return u.decode(encoded);
            }
        }).toList();
    }

    @Override
    public Map<String, AttributeValue> lookup(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> item = side.lookup(key);
        return item == null || versions.isTombstone(item) ? null : item;
    }

    @Override
    public long estimatedItems() {
        return side.estimatedItems();
    }
}
