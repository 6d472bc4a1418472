package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbEndpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything {@code cutover migrate --source mongodb://...} needs, validated once, every problem
 * reported together with the flag that sets it.
 *
 * @param segments null: one range per 20,000 documents, at most 64
 * @param cut      {@code --until FIELD<=VALUE} (mirror mode), or null for every document
 */
public record MongoMigrationSettings(MongoSourceUri source, String collection, DocumentMapping mapping, DynamoDbEndpoint target,
                                     String targetTable, Path stateDir, Mode mode, CutFilter cut, Integer segments, int parallelism,
                                     int writeConcurrency, double maxWriteRate, int pageSize) {

    /** How the target stays live after the backfill. */
    public enum Mode {
        /** The collection's change stream is captured into the change log and applied. */
        CHANGE_STREAM,
        /** The application mirrors its writes with {@link MirroringCollection}; the migration backfills once. */
        MIRROR;

        public static Mode parse(String text) {
            if (text == null) {
                return CHANGE_STREAM;
            }
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "change-stream", "change-streams" -> CHANGE_STREAM;
                case "mirror" -> MIRROR;
                default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, "--mode must be change-stream or mirror, was '" + text + "'");
            };
        }

        public String flag() {
            return this == MIRROR ? "mirror" : "change-stream";
        }
    }

    public MongoMigrationSettings {
        List<String> problems = new ArrayList<>();
        if (collection == null || collection.isBlank()) {
            problems.add("--source-collection is required with a mongodb:// --source");
        }
        if (targetTable == null || targetTable.isBlank()) {
            problems.add("--target-table is required with a mongodb:// --source");
        }
        if (segments != null && (segments < 1 || segments > 1024)) {
            problems.add("--segments must be between 1 and 1024, was " + segments);
        }
        if (parallelism < 1) {
            problems.add("--parallelism must be at least 1, was " + parallelism);
        }
        if (writeConcurrency < 1) {
            problems.add("--write-concurrency must be at least 1, was " + writeConcurrency);
        }
        if (maxWriteRate < 0) {
            problems.add("--max-write-rate cannot be negative");
        }
        if (pageSize < 1 || pageSize > 10_000) {
            problems.add("the page size must be between 1 and 10000");
        }
        if (mode == Mode.CHANGE_STREAM && (!mapping.keyField().equals("_id") || mapping.sortKeyField().isPresent())) {
            problems.add("--mode change-stream needs --key-field _id and no --sort-key-field: a delete event carries only the _id,"
                    + " so any other key could not be deleted; use --mode mirror for other keys");
        }
        if (mode == Mode.CHANGE_STREAM && cut != null) {
            problems.add("--until FIELD<=VALUE is for --mode mirror; with change streams every document is backfilled and every later"
                    + " change is captured (use --until backfill|in-sync|drained to choose where to stop)");
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("; ", problems));
        }
    }
}
