package io.cutover.mongodb;

import com.mongodb.MongoException;
import io.cutover.core.archive.RestoreTarget;
import io.cutover.core.verify.VerifySide;
import io.cutover.core.version.VersionAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A MongoDB collection as the target of {@code restore --into-source} (docs/decisions/0180): items become documents
 * through {@link MongoStore} ({@link ItemToDocument}, the inverse of the migration's {@link DocumentMapper}), one
 * {@code replaceOne} upsert by {@code _id} per item, and the collection is read back through the forward mapping. The
 * collection is created when absent. Every attribute, version attributes and tombstone items included, is a field of
 * the document, as {@link MongoStore} keeps them, so the collection equals the archive item for item. Thread-safe.
 */
public final class MongoRestoreTarget implements RestoreTarget {
    private final MongoCollectionSource source;
    private final MongoStore store;
    private final MongoSourceUri uri;

    public MongoRestoreTarget(MongoSourceUri uri, String collection, DocumentMapping mapping) {
        this.uri = uri;
        this.source = new MongoCollectionSource(uri, collection, mapping);
        this.store = new MongoStore(source.collection(), mapping);
    }

    @Override
    public String describe() {
        return source.describe();
    }

    @Override
    public List<String> keyNames() {
        return store.keyNames();
    }

    @Override
    public Optional<VersionAttribute> versions() {
        return Optional.empty();
    }

    @Override
    public long count() {
        try {
            return source.collection().countDocuments();
        } catch (MongoException e) {
            throw source.unreachable(e);
        }
    }

    @Override
    public void prepare() {
        try {
            var db = source.client().getDatabase(uri.database());
            if (!db.listCollectionNames().into(new ArrayList<>()).contains(source.collectionName())) {
                db.createCollection(source.collectionName());
            }
        } catch (MongoException e) {
            throw source.unreachable(e);
        }
    }

    @Override
    public void write(List<Map<String, AttributeValue>> items) {
        items.forEach(store::put);
    }

    @Override
    public void delete(Map<String, AttributeValue> key) {
        store.delete(key);
    }

    @Override
    public VerifySide side() {
        return new MongoVerifySide(source, 1000);
    }

    @Override
    public void close() {
        source.close();
    }
}
