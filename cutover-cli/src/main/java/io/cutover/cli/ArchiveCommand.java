package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveCompaction;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveRetention;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.archive.ArchiveSync;
import io.cutover.dynamodb.DynamoDbArchiveSnapshot;
import io.cutover.mongodb.MongoArchiveSnapshot;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.sql.migrate.SqlArchiveSnapshot;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover archive}: keeps a restore archive (base snapshots plus the change log) of any source in a local folder or an S3 prefix. */
@Command(name = "archive", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Keep a point-in-time restore archive of a migration's source (a DynamoDB table, a MongoDB collection, a SQL table) in a local folder or an S3 prefix (docs/restore.md).",
                "snapshot: a base snapshot of the source at a recorded change-log position; sync: append the change log's new changes, then prune and compact."},
        subcommands = {ArchiveCommand.Snapshot.class, ArchiveCommand.Sync.class})
public final class ArchiveCommand {
    /** The migration's state directory, which both subcommands name. */
    static final class Folders {
        @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/migrate", description = "The migration's state directory (default: ${DEFAULT-VALUE}).")
        Path stateDir;

        Path changeLog() {
            return stateDir.resolve("changes.db");
        }
    }

    /** {@code cutover archive snapshot}. */
    @Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Read the source into a base snapshot, at the change log's current position (run it while migrate captures).",
                    "DynamoDB: --source-table; MongoDB: --source mongodb://... and migrate's mapping flags; SQL: --source postgresql://... --source-table --mapping."},
            footer = {"", "Exit codes: 0 done, 2 bad flags, 3 source unusable, 4 failed."})
    static final class Snapshot implements Callable<Integer>, CutoverCli.PrintsResults {
        @Mixin
        ConnectionOptions connection;

        @Mixin
        OutputOptions output;

        @Option(names = "--source", paramLabel = "URI", description = {"Where the migration's data comes from: absent for a DynamoDB table (--source-table);",
                "mongodb://... for a MongoDB collection (--source-collection and the mapping flags migrate was given);",
                "postgresql://..., mysql://... or mariadb://... for a SQL table (--source-table and --mapping)."})
        String source;

        @Option(names = "--source-table", paramLabel = "NAME", description = "The migration's source table (DynamoDB or SQL).")
        String sourceTable;

        @Mixin
        MongoSourceOptions mongo;

        @Option(names = "--mapping", paramLabel = "FILE", description = "SQL source: the mapping file migrate was given (docs/sql.md).")
        Path mapping;

        @Option(names = "--page-size", paramLabel = "ROWS", defaultValue = "1000", description = "SQL source: rows per keyset page (default: ${DEFAULT-VALUE}).")
        int pageSize;

        @Mixin
        Folders folders;

        @Mixin
        ArchiveStoreOptions archive;

        @Option(names = "--segments", paramLabel = "N", defaultValue = "4", description = "Scan segments (DynamoDB), _id ranges (MongoDB) or key ranges (SQL) read at once (default: ${DEFAULT-VALUE}).")
        int segments;

        @Override
        public Printer printer() {
            return output.printer();
        }

        @Override
        public Integer call() {
            checkFlags();
            ArchiveEntry e;
            long unmapped = 0;
            try (ArchiveStore store = archive.open(connection.sourceRegion != null ? connection.sourceRegion : connection.region)) {
                Connector kind = Connector.of("--source", source);
                if (kind == Connector.MONGODB) {
                    MongoArchiveSnapshot snapshot = new MongoArchiveSnapshot(MongoSourceUri.parse(source), mongo.collection, mongo.mapping(),
                            folders.stateDir, store, segments, System::currentTimeMillis);
                    e = snapshot.run();
                    unmapped = snapshot.unmapped();
                } else if (kind == Connector.SQL) {
                    SqlArchiveSnapshot snapshot = new SqlArchiveSnapshot(SqlEndpoint.parse(source), sourceTable, SqlRunner.mapping(mapping),
                            folders.stateDir, store, segments, pageSize, System::currentTimeMillis);
                    e = snapshot.run();
                    unmapped = snapshot.unmapped();
                } else {
                    e = new DynamoDbArchiveSnapshot(connection.source(), sourceTable, folders.changeLog(), store, segments,
                            System::currentTimeMillis).run();
                }
            }
            if (unmapped > 0) {
                printer().note(unmapped + " source records have no exact item form and are not in the snapshot (the migration dead-letters them too)");
            }
            printer().result(e, x -> String.format(Locale.ROOT, "Snapshot %s: %,d items, %,d bytes, at log position %d;"
                    + " restorable from %s%n", x.name(), x.count(), x.bytes(), x.firstSequence(), Instant.ofEpochMilli(x.readAtMillis())));
            return 0;
        }

        /** Every flag that can be checked without a server, all problems at once (exit 2 before anything is read). */
        private void checkFlags() {
            List<String> problems = new ArrayList<>();
            try {
                archive.check();
            } catch (CutoverException e) {
                problems.add(e.getMessage());
            }
            Connector kind = Connector.DYNAMODB;
            try {
                kind = Connector.of("--source", source);
            } catch (CutoverException e) {
                problems.add(e.getMessage());
            }
            boolean isMongo = kind == Connector.MONGODB;
            boolean isSql = kind == Connector.SQL;
            if (!isMongo && sourceTable == null) {
                problems.add(isSql ? "--source-table is required with a SQL --source: name the table the migration copies"
                        : "--source-table is required (or --source mongodb://... with --source-collection)");
            }
            if (isMongo && sourceTable != null) {
                problems.add("--source-table is for a DynamoDB or SQL source; a MongoDB source names its collection with --source-collection");
            }
            if (isMongo && mongo.collection == null) {
                problems.add("--source-collection is required with a mongodb:// --source");
            }
            if (isMongo && mongo.keyAttribute == null) {
                problems.add("--key-attribute is required with a mongodb:// --source: the item attribute that holds the key, as migrate was given");
            }
            if (!isMongo && (mongo.collection != null || mongo.keyAttribute != null || mongo.sortKeyField != null)) {
                problems.add("--source-collection, --key-attribute and --sort-key-field are for a mongodb:// --source");
            }
            if (isSql && mapping == null) {
                problems.add("--mapping FILE is required with a SQL --source: the mapping file migrate was given");
            }
            if (!isSql && mapping != null) {
                problems.add("--mapping is for a SQL --source (postgresql://, mysql://, mariadb://)");
            }
            if (segments < 1 || segments > 1024) {
                problems.add("--segments must be between 1 and 1024, was " + segments);
            }
            if (pageSize < 1 || pageSize > 100_000) {
                problems.add("--page-size must be between 1 and 100000, was " + pageSize);
            }
            if (!problems.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
            }
        }
    }

    /** {@code cutover archive sync}. */
    @Command(name = "sync", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Append the change log's changes since the last sync (or snapshot) to the archive as change segments;",
                    "with --archive-retention, delete what no restore within it needs; with --compact-after, merge old small segments."},
            footer = {"", "Exit codes: 0 done, 2 bad flags or no archive, 3 a segment to merge is missing or corrupt,",
                    "4 the log pruned changes before they were archived."})
    static final class Sync implements Callable<Integer>, CutoverCli.PrintsResults {
        @Mixin
        OutputOptions output;

        @Mixin
        Folders folders;

        @Mixin
        ArchiveStoreOptions archive;

        @Option(names = "--segment-changes", paramLabel = "N", defaultValue = "100000", description = "Changes per segment file at most (default: ${DEFAULT-VALUE}).")
        int segmentChanges;

        @Option(names = "--archive-retention", paramLabel = "DURATION", description = {"After syncing, delete the snapshots and segments"
                + " that no restore to a time within this duration needs (for example 7d, 36h; units s, m, h, d). The newest snapshot at or"
                + " before the horizon, and everything after it, are kept. Default: keep everything."})
        String retention;

        @Option(names = "--compact-after", paramLabel = "DURATION", description = {"After syncing (and pruning), merge adjacent change"
                + " segments synced longer ago than this into files of at most --segment-changes changes (for example 1d; 0 merges"
                + " every segment, the newest too). Default: no merging."})
        String compactAfter;

        @Override
        public Printer printer() {
            return output.printer();
        }

        @Override
        public Integer call() {
            archive.check();
            if (segmentChanges < 1) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segment-changes must be at least 1, was " + segmentChanges);
            }
            Duration keep = retention == null ? null : MigrateCommand.duration("--archive-retention", retention);
            if (keep != null && keep.isZero()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive-retention must be more than 0 (for example 7d or 36h);"
                        + " leave it out to keep every snapshot and segment");
            }
            Duration compact = compactAfter == null ? null : MigrateCommand.duration("--compact-after", compactAfter);
            if (compact != null && segmentChanges < 2) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--compact-after needs --segment-changes of at least 2 (the most changes"
                        + " a merged file holds), was " + segmentChanges);
            }
            ArchiveSync.Result r;
            try (ArchiveStore store = archive.open(null)) {
                r = new ArchiveSync(folders.changeLog(), store, segmentChanges, System::currentTimeMillis, keep, compact).run();
            }
            printer().result(r, ArchiveCommand::syncText);
            return 0;
        }
    }

    static String syncText(ArchiveSync.Result x) {
        String text = String.format(Locale.ROOT, "Synced %,d changes in %d segments (%,d bytes, %.1f bytes/change);"
                        + " archive holds the log up to position %d, restorable up to %s%n", x.changes(), x.segments(), x.bytes(),
                x.changes() == 0 ? 0.0 : (double) x.bytes() / x.changes(), x.syncedSequence(), Instant.ofEpochMilli(x.syncedAtMillis()));
        ArchiveRetention.Result p = x.pruned();
        if (p != null) {
            text += String.format(Locale.ROOT, "Retention: deleted %d files (%,d bytes) older than needed for %s; restorable from %s%n",
                    p.filesDeleted(), p.bytesDeleted(), Instant.ofEpochMilli(p.horizonMillis()), Instant.ofEpochMilli(p.oldestRestorableMillis()));
        }
        ArchiveCompaction.Result c = x.compacted();
        if (c != null) {
            text += String.format(Locale.ROOT, "Compaction: merged %d segments into %d (%,d bytes into %,d)%n", c.segmentsMerged(),
                    c.segmentsWritten(), c.bytesBefore(), c.bytesAfter());
        }
        return text;
    }
}
