package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.MigrationStatus;
import io.cutover.mongodb.CutFilter;
import io.cutover.mongodb.MongoMigration;
import io.cutover.mongodb.MongoMigrationSettings;
import io.cutover.mongodb.MongoSourceUri;

/** {@code cutover migrate --source mongodb://...}: builds the settings from the flags and runs {@link MongoMigration}. */
final class MongoMigrateRunner {
    private MongoMigrateRunner() {
    }

    static int run(MigrateCommand c) {
        MongoMigrationSettings.Mode mode = MongoMigrationSettings.Mode.parse(c.mode);
        String phase = null;
        CutFilter cut = null;
        if (c.until != null && c.until.contains("<=")) {
            cut = CutFilter.parse(c.until);
        } else if (c.until != null) {
            if (!c.until.equals("backfill") && !c.until.equals("in-sync") && !c.until.equals("drained")) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--until must be backfill, in-sync or drained (change streams), or"
                        + " FIELD<=VALUE (mirror), was '" + c.until + "'");
            }
            if (mode == MongoMigrationSettings.Mode.MIRROR) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--until " + c.until + " is for --mode change-stream; --mode mirror"
                        + " backfills once and stops (give --until FIELD<=VALUE for the cut)");
            }
            phase = c.until;
        }
        String target = c.targetTable;
        MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse(c.source), c.mongo.collection, c.mongo.mapping(),
                c.connection.target(), target, c.stateDir, mode, cut, c.segments, c.parallelism,
                c.writeConcurrency == 0 ? io.cutover.dynamodb.CopySettings.DEFAULT_WRITES : c.writeConcurrency, c.maxWriteRate, 1000);
        Printer p = c.printer();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), c.output.progress());
             MongoMigration migration = new MongoMigration(settings, c.restart)) {
            try (StopOnSignal signal = StopOnSignal.install(migration::requestStop)) {
                MigrationStatus status = migration.run(phase, bar, s -> {
                    if (c.output.progress()) {
                        System.err.println(MigrateCommand.line(s));
                    }
                });
                p.result(status, MigrateCommand::text);
                return status.deadLettered() > 0 ? 1 : 0;
            }
        }
    }
}
