package io.cutover.mongodb;

import com.mongodb.ReadConcern;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveSnapshot;
import io.cutover.core.archive.ArchiveStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MongoDB collection as the source of an {@link ArchiveSnapshot} ({@code cutover archive snapshot --source mongodb://...}):
 * the same {@code _id} ranges and {@link DocumentMapper} as the change-stream migration's backfill, read with majority read
 * concern (the view the change stream reports from), so the snapshot holds the items the migration writes. A document
 * with no exact item form is left out and counted, as the migration dead-letters it.
 */
public final class MongoArchiveSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(MongoArchiveSnapshot.class);
    private static final int DOCUMENTS_PER_RANGE = 20_000;

    private final MongoSourceUri uri;
    private final String collection;
    private final DocumentMapping mapping;
    private final Path stateDir;
    private final ArchiveStore archive;
    private final int parallelism;
    private final LongSupplier clock;
    private final AtomicLong unmapped = new AtomicLong();

    /** @param stateDir the state directory of the collection's change-stream migration (its changes.db is the log) */
    public MongoArchiveSnapshot(MongoSourceUri uri, String collection, DocumentMapping mapping, Path stateDir, ArchiveStore archive, int parallelism,
                                LongSupplier clock) {
        if (collection == null || collection.isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-collection is required with a mongodb:// --source");
        }
        if (parallelism < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segments must be at least 1, was " + parallelism);
        }
        this.uri = uri;
        this.collection = collection;
        this.mapping = mapping;
        this.stateDir = stateDir;
        this.archive = archive;
        this.parallelism = parallelism;
        this.clock = clock;
    }

    /** Documents left out because they have no exact item form (after {@link #run}). */
    public long unmapped() {
        return unmapped.get();
    }

    public ArchiveEntry run() {
        MongoMigration.load(stateDir).ifPresent(s -> {
            if (!s.collection().equals(collection)) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--state-dir " + stateDir + " holds the migration of collection "
                        + s.collection() + ", not " + collection + ": pass the state directory of this collection's migration");
            }
            if (s.mode().equals(MongoMigrationSettings.Mode.MIRROR.flag())) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--state-dir " + stateDir + " holds a --mode mirror migration, which"
                        + " keeps no change log: an archive needs --mode change-stream");
            }
        });
        try (MongoCollectionSource source = new MongoCollectionSource(uri, collection, mapping)) {
            source.check();
            ArchiveEntry entry = new ArchiveSnapshot(stateDir.resolve("changes.db"), archive, parallelism, clock).run(new ArchiveSnapshot.Source() {
                @Override
                public String name() {
                    return collection;
                }

                @Override
                public List<ArchiveManifest.KeyAttribute> keySchema() {
                    List<software.amazon.awssdk.services.dynamodb.model.AttributeDefinition> defs = MongoTargetTable.keyDefinitions(source);
                    return java.util.stream.IntStream.range(0, defs.size()).mapToObj(i -> new ArchiveManifest.KeyAttribute(
                            defs.get(i).attributeName(), i == 0 ? "HASH" : "RANGE", defs.get(i).attributeTypeAsString())).toList();
                }

                @Override
                public List<IdRangeUnit> units() {
                    long docs = Math.max(0, source.estimatedDocuments());
                    int ranges = (int) Math.max(parallelism, Math.min(64, docs / DOCUMENTS_PER_RANGE + 1));
                    return source.units(source.splitPoints(ranges), null, 1000, u -> unmapped.incrementAndGet(), ReadConcern.MAJORITY);
                }
            });
            if (unmapped.get() > 0) {
                LOG.warn("{} documents of {} have no exact DynamoDB item form and are not in the snapshot (the migration dead-letters"
                        + " them too)", unmapped.get(), source.describe());
            }
            return entry;
        } catch (com.mongodb.MongoException e) {
            throw new CutoverException(ErrorCode.TRANSIENT, "MongoDB at " + uri.masked() + " failed during the snapshot: "
                    + MongoSourceUri.mask(String.valueOf(e.getMessage())) + "; run the same command again", e);
        }
    }
}
