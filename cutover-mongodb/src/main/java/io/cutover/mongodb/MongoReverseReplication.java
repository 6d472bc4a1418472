package io.cutover.mongodb;

import io.cutover.client.StoreChangeWriter;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The reverse direction of a MongoDB cut-over (docs/decisions/0140-mongodb-store-and-reverse-into-mongodb.md): the
 * DynamoDB target table's stream captured into a change log (the same capture-only {@link DynamoDbMigration} as the
 * DynamoDB reverse: CAPTURE → CATCH_UP → IN_SYNC, per-key order, durable positions, dead letters, status.json with
 * refused and conflicts), applied to the MongoDB collection through {@link MongoStore} (the inverse mapping) under the
 * version rule by a {@link StoreChangeWriter}.
 *
 * <p>Loop prevention is the version rule, as for DynamoDB (0073): every change this applies carries the version the
 * application gave it, so when the forward direction reads it back from the collection's change stream the conditional
 * write into DynamoDB refuses it (same version) and counts it; nothing is applied twice.
 *
 * <p>{@link #run} blocks until stopped ({@link #requestStop}, from another thread) or until {@code until}.
 */
public final class MongoReverseReplication implements AutoCloseable {
    /**
     * What the reverse needs, validated once.
     *
     * @param dynamoDb         the DynamoDB endpoint of the cut-over's target table (its stream is read)
     * @param table            the target table
     * @param mongo            the MongoDB URI (with its database) of the old source
     * @param collection       the collection written back
     * @param mapping          the migration's document mapping (its inverse is applied)
     * @param stateDir         the reverse direction's state directory (registered as {@code reverseStateDir})
     * @param version          the version attribute, the same as the application's store and the forward migration
     * @param enableStream     turn the table's stream on (NEW_AND_OLD_IMAGES) when it has none
     * @param writeConcurrency changes written into MongoDB at once
     */
    public record Settings(DynamoDbEndpoint dynamoDb, String table, MongoSourceUri mongo, String collection, DocumentMapping mapping,
                           Path stateDir, VersionAttribute version, boolean enableStream, int writeConcurrency) {
        public Settings {
            List<String> problems = new ArrayList<>();
            if (dynamoDb == null) {
                problems.add("the DynamoDB endpoint of the target table is required");
            }
            if (table == null || table.isBlank()) {
                problems.add("--source-table (the DynamoDB table whose stream is replicated back) is required");
            }
            if (mongo == null) {
                problems.add("--target mongodb://host/db is required");
            }
            if (collection == null || collection.isBlank()) {
                problems.add("--target-collection is required");
            }
            if (mapping == null) {
                problems.add("the document mapping (--key-attribute) is required");
            }
            if (stateDir == null) {
                problems.add("--state-dir is required");
            }
            if (writeConcurrency < 1 || writeConcurrency > 1024) {
                problems.add("--write-concurrency must be between 1 and 1024, was " + writeConcurrency);
            }
            if (version == null) {
                version = VersionAttribute.DEFAULT;
            }
            if (!problems.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("; ", problems));
            }
        }
    }

    private final MongoCollectionSource mongo;
    private final DynamoDbMigration capture;

    public MongoReverseReplication(Settings settings) {
        // The capture-only migration never writes its settings' target: the writer below replaces it.
        this.capture = new DynamoDbMigration(CopySettings.builder(settings.dynamoDb(), settings.dynamoDb())
                .table(settings.table(), settings.collection()).stateDir(settings.stateDir()).writeConcurrency(settings.writeConcurrency())
                .build(), settings.table(), settings.collection(), settings.enableStream());
        capture.captureOnly(true);
        capture.versionRule(java.util.Optional.of(settings.version()));
        try {
            this.mongo = applyInto(capture, settings.mongo(), settings.collection(), settings.mapping(), settings.version(),
                    settings.writeConcurrency());
        } catch (RuntimeException e) {
            capture.close();
            throw e;
        }
    }

    /**
     * Points a capture-only {@link DynamoDbMigration} at a collection: its live apply goes through a {@link MongoStore}
     * (the inverse mapping) under the version rule. The one wiring of the reverse into MongoDB, used by this class and by
     * {@code cutover migrate --capture-only --target mongodb://...}.
     *
     * @return the collection's client, to close once the migration has stopped
     */
    public static MongoCollectionSource applyInto(DynamoDbMigration capture, MongoSourceUri uri, String collection,
                                                  DocumentMapping mapping, VersionAttribute version, int writeConcurrency) {
        MongoCollectionSource source = new MongoCollectionSource(uri, collection, mapping);
        try {
            MongoStore store = new MongoStore(source.collection(), mapping);
            capture.applyInto(dead -> new StoreChangeWriter(store, version, writeConcurrency, RetryPolicy.defaults(), dead));
            return source;
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** The fence (decision 0074): asked before every apply round; set before {@link #run}. */
    public void applyWhen(BooleanSupplier allowed) {
        capture.applyWhen(allowed);
    }

    /** Runs until {@code until} ("in-sync", "drained") or, with null, until stopped; resumable from its state directory. */
    public MigrationStatus run(String until, Consumer<MigrationStatus> onStatus) {
        return capture.run(until, CopyProgress.NONE, onStatus);
    }

    /** Changes refused by the version rule in this run (echoes of the forward direction, stale records). */
    public long olderRefused() {
        return capture.olderRefused();
    }

    public long conflicts() {
        return capture.conflicts();
    }

    /** Stops after the writes in flight are acknowledged. */
    public void requestStop() {
        capture.requestStop();
    }

    @Override
    public void close() {
        capture.close();
        mongo.close();
    }
}
