package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveFileReader;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.archive.ChangeFinder;
import io.cutover.core.archive.RestorePoint;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbRestore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover restore}: rebuilds a table as it was at a point in time, from a Cutover archive, into a new table. */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore a table as it was at a time (or a log position) from a Cutover archive into a new DynamoDB table (docs/restore.md).",
                "Resumable: run the same command again after a stop or a kill -9."},
        footer = {"", "Examples:",
                "  cutover restore --archive ./archive --to-time 2026-12-01T10:15:30Z --target-table orders-restored --dry-run",
                "  cutover restore --archive ./archive --to-time 2026-12-01T10:15:30Z --target-table orders-restored --verify",
                "", "Exit codes: 0 restored (and identical with --verify), 1 dead letters or differences, 2 bad flags or a point the archive",
                "cannot reach, 3 a missing or corrupt archive file or an unusable target, 4 failed, 130 interrupted."})
public final class RestoreCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OutputOptions output;

    @Mixin
    ArchiveStoreOptions archive;

    @Option(names = "--to-time", paramLabel = "INSTANT", description = "Restore as of this time, ISO-8601 UTC (2026-12-01T10:15:30Z); one-second precision.")
    String toTime;

    @Option(names = "--to-position", paramLabel = "SEQ", description = "Restore up to and including this change-log sequence.")
    Long toPosition;

    @Option(names = "--before-change", paramLabel = "ATTR=VALUE[,...]", description = {"Restore to just before the first archived change"
            + " whose key (or new image) has these values, for example 'pk=order#42' (the way to undo a bad write)."})
    String beforeChange;

    @Option(names = "--target-table", required = true, paramLabel = "NAME", description = "The new table to restore into (must not exist).")
    String targetTable;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/restore", description = "Where the worked-out state and checkpoints are kept (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8", description = "Row ranges written at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--write-concurrency", paramLabel = "N", defaultValue = "16", description = "BatchWriteItem requests in flight (default: ${DEFAULT-VALUE}).")
    int writeConcurrency;

    @Option(names = "--dry-run", description = "Print the plan (base, changes to replay, expected items and bytes) and write nothing to the target.")
    boolean dryRun;

    @Option(names = "--verify", description = "After restoring (or instead, if already restored), compare the table with the archive's state at the point.")
    boolean verify;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        archive.check();
        try (ArchiveStore store = archive.open(connection.targetRegion != null ? connection.targetRegion : connection.region)) {
            return restore(store);
        }
    }

    private Integer restore(ArchiveStore store) {
        DynamoDbRestore.Settings settings = new DynamoDbRestore.Settings(connection.target(), store, point(store), targetTable, stateDir,
                parallelism, writeConcurrency);
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress());
             DynamoDbRestore restore = new DynamoDbRestore(settings)) {
            if (dryRun) {
                printer().result(restore.dryRun(), RestoreCommand::text);
                return 0;
            }
            DynamoDbRestore.Result r;
            try (StopOnSignal signal = StopOnSignal.install(restore::requestStop)) {
                r = restore.run(bar);
            }
            bar.finish();
            printer().result(r, RestoreCommand::text);
            if (!r.status().startsWith("completed")) {
                throw new CutoverException(ErrorCode.INTERRUPTED, "restore stopped: run the same command again to resume");
            }
            if (verify) {
                VerifyResult v = restore.verify(io.cutover.core.copy.CopyProgress.NONE);
                printer().result(v, VerifyCommand::text);
                return v.identical() && r.status().equals("completed") ? 0 : 1;
            }
            return r.status().equals("completed") ? 0 : 1;
        }
    }

    private RestorePoint point(ArchiveStore store) {
        if ((toTime == null ? 0 : 1) + (toPosition == null ? 0 : 1) + (beforeChange == null ? 0 : 1) != 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "give exactly one of --to-time 2026-12-01T10:15:30Z, --to-position SEQ"
                    + " and --before-change ATTR=VALUE");
        }
        if (beforeChange != null) {
            Map<String, String> match = ChangeFinder.parse("--before-change", beforeChange);
            long seq = new ChangeFinder(ArchiveManifest.require(store), new ArchiveFileReader(store)).first(match)
                    .orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID, "no archived change matches --before-change '"
                            + beforeChange + "': check the attribute names and values (numbers as written, strings without quotes)"));
            printer().note("the first change matching " + beforeChange + " is log position " + seq + "; restoring to position " + (seq - 1));
            return RestorePoint.atSequence(seq - 1);
        }
        if (toPosition != null) {
            return RestorePoint.atSequence(toPosition);
        }
        try {
            return RestorePoint.at(Instant.parse(toTime));
        } catch (DateTimeParseException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--to-time must be an ISO-8601 UTC instant such as 2026-12-01T10:15:30Z, was '"
                    + toTime + "'");
        }
    }

    static String text(DynamoDbRestore.Result r) {
        return String.format(Locale.ROOT, "Restore to %s into %s: %s%n  base %s (%,d items), %,d changes replayed%n"
                        + "  expected %,d items, %,d bytes; %,d items written in %.1f s%n", r.point(), r.targetTable(), r.status(), r.base(),
                r.baseItems(), r.changesReplayed(), r.expectedItems(), r.expectedBytes(), r.itemsWritten(), r.seconds());
    }
}
