package io.cutover.mongodb;

import com.mongodb.ReadConcern;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.dynamodb.export.ExportSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bson.BsonValue;

/**
 * A MongoDB collection as {@code cutover export} reads it: the Mongo backfill's {@code _id} ranges (split points
 * from a {@code $sample}, kept in the export's state directory as a migration keeps them), each read in {@code _id}
 * order by an {@link IdRangeUnit} that maps documents with the same {@link DocumentMapper} as {@code cutover migrate},
 * and dead-letters a document with no exact DynamoDB form (with the document as Extended JSON and the reason). Reads
 * are majority-committed, as the change-stream backfill's: a write that a failover rolls back is never exported.
 */
public final class MongoExportSource implements ExportSource {
    private final MongoCollectionSource source;
    private final int pageSize;

    public MongoExportSource(MongoSourceUri uri, String collection, DocumentMapping mapping, int pageSize) {
        if (pageSize < 1 || pageSize > 100_000) {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID,
                    "--page-size must be between 1 and 100000 documents, was " + pageSize);
        }
        this.source = new MongoCollectionSource(uri, collection, mapping);
        this.pageSize = pageSize;
    }

    @Override
    public String name() {
        return source.describe();
    }

    @Override
    public void check() {
        source.check();
    }

    @Override
    public long estimatedItems() {
        return Math.max(0, source.estimatedDocuments());
    }

    @Override
    public List<String> split(int units) {
        List<String> points = new ArrayList<>();
        for (BsonValue v : source.splitPoints(units)) {
            points.add(IdPosition.encodeValue(v));
        }
        return points;
    }

    @Override
    public List<SnapshotUnit> units(List<String> split, Function<String, DeadLetterSink> deadLettersFor) {
        List<BsonValue> points = new ArrayList<>();
        for (String p : split) {
            points.add(IdPosition.decodeValue(p));
        }
        List<SnapshotUnit> units = new ArrayList<>();
        for (IdRangeUnit unit : source.units(points, null, pageSize, u -> { }, ReadConcern.MAJORITY)) {
            units.add(unit.withUnmapped(IdRangeUnit.deadLetterTo(deadLettersFor.apply(unit.id()), source.collectionName(), source.mapper())));
        }
        return units;
    }

    @Override
    public void close() {
        source.close();
    }
}
