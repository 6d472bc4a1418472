package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover status}: where a migration stands, from its state directory (it need not be running). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a migration's phase, counts, lag and stream positions, from its state directory.")
public final class StatusCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    OutputOptions output;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/migrate", description = "The migration's state directory (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--source", paramLabel = "URI", description = {"SQL migrations: the source, to report the replication slot's lag.",
            "Must be the kind of store whose migration left --state-dir (refused otherwise)."})
    String source;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        Connector named = Connector.of("--source", source);
        Connector kept = Connector.ofStateDir(stateDir);
        if (source != null && named != kept) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source names " + named.describe() + " but --state-dir " + stateDir
                    + " holds the migration of " + kept.describe() + ": pass the migration's own --source, or leave it out");
        }
        return kept.status(this);
    }

    /** A DynamoDB table's migration (forward, or the capture-only reverse into any store). */
    int statusDynamoDb() {
        var state = DynamoDbMigration.load(stateDir).orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID,
                "no migration in --state-dir " + stateDir + ": check the path, or start one with cutover migrate"));
        MigrationStatus status = DynamoDbMigration.lastStatus(stateDir).map(s -> s.phase().equals(state.phase()) ? s : withPhase(s, state.phase()))
                .orElse(new MigrationStatus(state.phase(), state.sourceTable(), state.targetTable(), state.streamArn(), state.backfillItems(),
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, java.util.Map.of(), null));
        printer().result(status, s -> MigrateCommand.text(s) + DynamoDbVerification.last(stateDir)
                .map(v -> "  last verify: " + v.status() + " (" + v.missing() + " missing, " + v.extra() + " extra, " + v.different() + " different)\n")
                .orElse(""));
        return 0;
    }

    private static MigrationStatus withPhase(MigrationStatus s, String phase) {
        return new MigrationStatus(phase, s.sourceTable(), s.targetTable(), s.streamArn(), s.backfillItems(), s.captured(), s.applied(),
                s.superseded(), s.deadLettered(), s.backlog(), s.changesPerSecond(), s.lagP50Millis(), s.lagP99Millis(), s.lagMaxMillis(),
                s.pipelineLagP50Millis(), s.pipelineLagP99Millis(), s.pipelineLagMaxMillis(), s.positions(), s.updatedAt(), s.refused(),
                s.conflicts(), s.fenced());
    }
}
