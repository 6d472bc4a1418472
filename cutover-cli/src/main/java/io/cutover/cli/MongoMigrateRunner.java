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
            if (c.fenceApp != null) {
                // A collection in a phased cut-over: its documents carry versions, each change lands only when newer (0140), fenced (0074).
                migration.versionRule(java.util.Optional.of(io.cutover.core.version.VersionAttribute.of(c.versionAttribute)));
                migration.applyWhen(io.cutover.client.ReplicationFence.of(new io.cutover.client.EndpointRegistry(c.fenceRegistry.client(),
                        c.fenceRegistry.table), c.fenceApp, io.cutover.client.ReplicationFence.Direction.FORWARD));
            }
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

    /**
     * {@code migrate --capture-only --target mongodb://...}: the DynamoDB table's changes applied to the collection through
     * the document mapping read backwards, under the version rule (docs/decisions/0140-mongodb-store-and-reverse-into-mongodb.md).
     * Returns the collection's client, closed once the migration has stopped.
     */
    static AutoCloseable reverseInto(MigrateCommand c, io.cutover.dynamodb.DynamoDbMigration migration) {
        int writers = c.writeConcurrency > 0 ? c.writeConcurrency : 8; // 0 is auto, which tunes DynamoDB writers only
        return io.cutover.mongodb.MongoReverseReplication.applyInto(migration, MongoSourceUri.parse(c.into), c.mongo.collection,
                c.mongo.mapping(), io.cutover.core.version.VersionAttribute.of(c.versionAttribute), writers);
    }
}
