package io.cutover.cli;

import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveSync;
import io.cutover.dynamodb.DynamoDbArchiveSnapshot;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover archive}: keeps a restore archive (a base snapshot plus the change log) in a local folder. */
@Command(name = "archive", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Keep a point-in-time restore archive of a migration's source table in a local folder (docs/restore.md).",
                "snapshot: a base snapshot of the table at a recorded change-log position; sync: append the change log's new changes."},
        subcommands = {ArchiveCommand.Snapshot.class, ArchiveCommand.Sync.class})
public final class ArchiveCommand {
    /** The two folders both subcommands name: the migration's state directory and the archive. */
    static final class Folders {
        @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/migrate", description = "The migration's state directory (default: ${DEFAULT-VALUE}).")
        Path stateDir;

        @Option(names = "--archive", required = true, paramLabel = "DIR", description = "The archive folder (local; snapshot creates it).")
        Path archive;

        Path changeLog() {
            return stateDir.resolve("changes.db");
        }
    }

    /** {@code cutover archive snapshot}. */
    @Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Scan the source table into a base snapshot, at the change log's current position (run it while migrate captures).",
            footer = {"", "Exit codes: 0 done, 2 bad flags, 3 source unusable, 4 failed."})
    static final class Snapshot implements Callable<Integer>, CutoverCli.PrintsResults {
        @Mixin
        ConnectionOptions connection;

        @Mixin
        OutputOptions output;

        @Option(names = "--source-table", required = true, paramLabel = "NAME", description = "The migration's source table.")
        String sourceTable;

        @Mixin
        Folders folders;

        @Option(names = "--segments", paramLabel = "N", defaultValue = "4", description = "Scan segments read at once (default: ${DEFAULT-VALUE}).")
        int segments;

        @Override
        public Printer printer() {
            return output.printer();
        }

        @Override
        public Integer call() {
            ArchiveEntry e = new DynamoDbArchiveSnapshot(connection.source(), sourceTable, folders.changeLog(), folders.archive, segments,
                    System::currentTimeMillis).run();
            printer().result(e, x -> String.format(Locale.ROOT, "Snapshot %s: %,d items, %,d bytes, at log position %d;"
                    + " restorable from %s%n", x.name(), x.count(), x.bytes(), x.firstSequence(), Instant.ofEpochMilli(x.readAtMillis())));
            return 0;
        }
    }

    /** {@code cutover archive sync}. */
    @Command(name = "sync", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Append the change log's changes since the last sync (or snapshot) to the archive as change segments.",
            footer = {"", "Exit codes: 0 done, 2 bad flags or no archive, 4 the log pruned changes before they were archived."})
    static final class Sync implements Callable<Integer>, CutoverCli.PrintsResults {
        @Mixin
        OutputOptions output;

        @Mixin
        Folders folders;

        @Option(names = "--segment-changes", paramLabel = "N", defaultValue = "100000", description = "Changes per segment file at most (default: ${DEFAULT-VALUE}).")
        int segmentChanges;

        @Override
        public Printer printer() {
            return output.printer();
        }

        @Override
        public Integer call() {
            ArchiveSync.Result r = new ArchiveSync(folders.changeLog(), folders.archive, segmentChanges, System::currentTimeMillis).run();
            printer().result(r, x -> String.format(Locale.ROOT, "Synced %,d changes in %d segments (%,d bytes, %.1f bytes/change);"
                            + " archive holds the log up to position %d, restorable up to %s%n", x.changes(), x.segments(), x.bytes(),
                    x.changes() == 0 ? 0.0 : (double) x.bytes() / x.changes(), x.syncedSequence(), Instant.ofEpochMilli(x.syncedAtMillis())));
            return 0;
        }
    }
}
