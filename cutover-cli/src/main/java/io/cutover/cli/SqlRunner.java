package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.cutover.sql.verify.SqlVerification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** The PostgreSQL and MySQL/MariaDB side of migrate, verify and status (dispatched on {@code --source URI}). */
final class SqlRunner {
    /** A slot holding back more WAL than this is reported as lagging. */
    static final long SLOT_LAG_WARNING_BYTES = 256L * 1024 * 1024;

    private SqlRunner() {
    }

    static Mapping mapping(Path file) {
        if (file == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--mapping FILE is required with a SQL --source: it says how rows become items"
                    + " (see docs/sql.md and examples/integration-logs/mapping.yaml)");
        }
        return Mapping.load(file);
    }

    static int migrate(MigrateCommand c) {
        if (c.sourceTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required with a SQL --source: name the table to migrate");
        }
        if (c.until != null && !c.until.equals("backfill") && !c.until.equals("in-sync") && !c.until.equals("drained")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--until must be backfill, in-sync or drained, was '" + c.until + "'");
        }
        if (c.finish && !"drained".equals(c.until)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--finish needs --until drained: the slot is dropped only once every change is applied");
        }
        boolean sqlToSql = c.into != null;
        String targetTable = c.targetTable != null ? c.targetTable : c.sourceTable;
        Mapping mapping = sqlToSql && c.mapping == null ? io.cutover.sql.mapping.IdentityMapping.of(new SqlTable(SqlEndpoint.parse(c.source),
                c.sourceTable).schema()) : mapping(c.mapping);
        SqlMigrationSettings settings = new SqlMigrationSettings(SqlEndpoint.parse(c.source), c.sourceTable, sqlToSql ? null : c.connection.target(),
                targetTable, mapping, c.stateDir, c.segments != null ? c.segments : 16,
                c.parallelism, c.pageSize, c.writeConcurrency == 0 ? io.cutover.dynamodb.CopySettings.DEFAULT_WRITES : c.writeConcurrency,
                c.maxWriteRate, c.restart);
        Printer p = c.printer();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), c.output.progress());
             SqlMigration migration = new SqlMigration(settings);
             io.cutover.sql.store.SqlStore sink = sqlToSql ? new io.cutover.sql.store.SqlStore(SqlEndpoint.parse(c.into), targetTable,
                     c.mapping == null ? io.cutover.sql.mapping.IdentityMapping.of(new SqlTable(SqlEndpoint.parse(c.into), targetTable).schema())
                             : mapping, io.cutover.core.version.VersionAttribute.of(c.versionAttribute)) : null) {
            if (sqlToSql) {
                // PostgreSQL <-> MariaDB (decision 0200): into the other engine's table under the version rule, the way back
                // (--capture-only) copying nothing; fenced as the way back when it is one.
                migration.into(sink);
                migration.captureOnly(c.captureOnly);
                migration.versionRule(java.util.Optional.of(io.cutover.core.version.VersionAttribute.of(c.versionAttribute)));
                if (c.fenceApp != null) {
                    migration.applyWhen(io.cutover.client.ReplicationFence.of(new io.cutover.client.EndpointRegistry(c.fenceRegistry.client(),
                            c.fenceRegistry.table), c.fenceApp, c.captureOnly ? io.cutover.client.ReplicationFence.Direction.REVERSE
                            : io.cutover.client.ReplicationFence.Direction.FORWARD));
                }
            } else if (c.fenceApp != null) {
                // A table in a phased cut-over: its rows carry versions, each change lands only when newer (0130), fenced (0074).
                migration.versionRule(java.util.Optional.of(io.cutover.core.version.VersionAttribute.of(c.versionAttribute)));
                migration.applyWhen(io.cutover.client.ReplicationFence.of(new io.cutover.client.EndpointRegistry(c.fenceRegistry.client(),
                        c.fenceRegistry.table), c.fenceApp, io.cutover.client.ReplicationFence.Direction.FORWARD));
            }
            try (StopOnSignal signal = StopOnSignal.install(migration::requestStop)) {
                MigrationStatus status = migration.run(c.until, c.finish, bar, s -> {
                    if (c.output.progress()) {
                        System.err.println(MigrateCommand.line(s));
                    }
                });
                long deadLetters = deadLetters(c.stateDir.resolve("dead-letters.jsonl"));
                p.result(status, s -> MigrateCommand.text(s).replace("  shard ", "  ")
                        + (s.phase().equals("COMPLETE") ? "  replication slot and publication dropped\n" : "")
                        + (deadLetters > 0 ? "  " + deadLetters + " rows or changes in " + c.stateDir.resolve("dead-letters.jsonl")
                        + " (each with its reason)\n" : ""));
                return status.deadLettered() > 0 || deadLetters > 0 ? 1 : 0;
            }
        }
    }

    /**
     * {@code migrate --capture-only --into postgresql://...}: the DynamoDB table's changes applied to the SQL table through
     * the mapping read backwards, under the version rule (docs/decisions/0130-sql-store-and-reverse-into-sql.md).
     */
    static AutoCloseable reverseInto(MigrateCommand c, io.cutover.dynamodb.DynamoDbMigration migration, String sqlTable) {
        io.cutover.sql.store.SqlStore store = new io.cutover.sql.store.SqlStore(SqlEndpoint.parse(c.into), sqlTable, mapping(c.mapping),
                io.cutover.core.version.VersionAttribute.of(c.versionAttribute));
        int writers = c.writeConcurrency > 0 ? c.writeConcurrency : 8; // 0 is auto, which tunes DynamoDB writers only
        migration.applyInto(dead -> new io.cutover.sql.store.SqlChangeWriter(store, writers, dead));
        return store; // its connections live until the migration has stopped
    }

    /** Lines in the dead-letter file: rows the backfill, changes capture or the writer could not write, over all runs. */
    static long deadLetters(Path file) {
        try (var lines = java.nio.file.Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    /** {@code verify --source postgresql://... --target mariadb://...}: two SQL tables, row by row (decision 0200). */
    static int verifyPair(VerifyCommand c) {
        if (c.sourceTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required with a SQL --source: name the table to compare");
        }
        // Bucketed and streaming (decision 0260): the same read options as any verify.
        VerifyOptions options = c.options();
        io.cutover.sql.verify.SqlPairVerification.Result r = io.cutover.sql.verify.SqlPairVerification.run(SqlEndpoint.parse(c.source),
                c.sourceTable, SqlEndpoint.parse(c.target), c.targetTable != null ? c.targetTable : c.sourceTable,
                io.cutover.core.version.VersionAttribute.of(c.versionAttribute).tombstone(), Optional.of(c.stateDir), options);
        c.printer().result(r.verify(), v -> VerifyCommand.text(v) + (r.differences().isEmpty() ? "" : "First differences:\n  "
                + String.join("\n  ", r.differences()) + "\n"));
        return r.identical() ? 0 : 1;
    }

    static int verify(VerifyCommand c) {
        if (c.sourceTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required with a SQL --source: name the table to compare");
        }
        VerifyOptions options = c.options();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), c.output.progress());
             SqlVerification v = new SqlVerification(SqlEndpoint.parse(c.source), c.sourceTable, mapping(c.mapping), c.connection.target(),
                     2 * options.maxParallelism() + 4)) {
            String target = c.targetTable != null ? c.targetTable : c.sourceTable;
            SqlVerification.Result r = v.run(target, options, c.bucketBy, bar, c.stateDir);
            bar.finish();
            c.printer().result(r, SqlRunner::verifyText);
            return r.identical() ? 0 : 1;
        }
    }

    static String verifyText(SqlVerification.Result r) {
        StringBuilder b = new StringBuilder(VerifyCommand.text(r.verify()));
        if (r.bucketBy() != null) {
            b.append("Counts per ").append(r.bucketBy()).append(" (source rows / target items):\n");
            for (SqlVerification.BucketCount c : r.buckets()) {
                b.append(String.format(Locale.ROOT, "  %-16s %,12d %,12d%s%n", c.bucket(), c.source(), c.target(), c.matches() ? "" : "  DIFFERENT"));
            }
            if (!r.buckets().stream().allMatch(SqlVerification.BucketCount::matches)) {
                b.append("Result: DIFFERENT (bucket counts)\n");
            }
        }
        return b.toString();
    }

    /** status for a SQL migration: the migration's status, and how far the replication slot lags. */
    static int status(Path stateDir, String source, Printer p) {
        SqlMigration.State state = SqlMigration.load(stateDir).orElseThrow();
        MigrationStatus status = SqlMigration.lastStatus(stateDir).orElse(new MigrationStatus(state.phase(), state.sourceTable(),
                state.targetTable(), state.slot(), state.backfillItems(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, java.util.Map.of(), null));
        Optional<ReplicationSlots.SlotLag> lag = Optional.empty();
        String slotLine;
        if (state.publication() == null) {
            slotLine = "  binlog: no replication slot to watch (MySQL/MariaDB)\n";
        } else if (source == null) {
            slotLine = "  replication slot " + state.slot() + ": pass --source URI to see its lag\n";
        } else {
            lag = ReplicationSlots.lag(new SqlTable(SqlEndpoint.parse(source), state.sourceTable()), state.slot());
            slotLine = lag.map(l -> String.format(Locale.ROOT, "  replication slot %s: %s, holds %,d bytes of WAL (confirmed %s, current %s)%s%n",
                            l.slot(), l.active() ? "active" : "inactive", l.lagBytes(), l.confirmedFlushLsn(), l.currentLsn(),
                            l.lagBytes() > SLOT_LAG_WARNING_BYTES ? "\n  WARNING: the slot lags; WAL piles up on the source until migrate"
                                    + " runs again, or cutover abandon drops it" : ""))
                    .orElse("  replication slot " + state.slot() + ": none (dropped)\n");
        }
        SqlStatus result = new SqlStatus(status.phase().equals(state.phase()) ? status : status, lag.orElse(null),
                lag.map(l -> l.lagBytes() > SLOT_LAG_WARNING_BYTES).orElse(false));
        String line = slotLine;
        p.result(result, s -> MigrateCommand.text(s.migration()).replace("phase " + s.migration().phase(), "phase " + state.phase()) + line);
        return 0;
    }

    /** status of a SQL migration, with its slot. */
    public record SqlStatus(MigrationStatus migration, ReplicationSlots.SlotLag slot, boolean slotLagging) {
    }
}
