package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover abandon}: gives a SQL migration up and drops its replication slot and publication, so the source keeps no WAL for it. */
@Command(name = "abandon", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Abandon a PostgreSQL migration: drop its replication slot and publication (a slot left behind keeps WAL",
                "until the source's disk is full). The target table is left as it is. Run it while no migrate runs on the state directory."})
public final class AbandonCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    OutputOptions output;

    @Option(names = "--source", paramLabel = "URI", required = true, description = "The migration's source: postgresql://user:password@host:5432/db")
    String source;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/migrate", description = "The migration's state directory (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    /** What abandon did. */
    public record AbandonResult(String source, String slot, List<String> dropped) {
    }

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        SqlMigration.State state = SqlMigration.load(stateDir).orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID,
                "no SQL migration in --state-dir " + stateDir + ": pass the --state-dir the migration used"));
        SqlEndpoint endpoint = SqlEndpoint.parse(source);
        List<String> dropped = List.of();
        if (endpoint.flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
            SqlTable table = new SqlTable(endpoint, state.sourceTable());
            try (io.cutover.dynamodb.StateDirectory lock = io.cutover.dynamodb.StateDirectory.open(stateDir)) {
                dropped = ReplicationSlots.drop(table, state.slot(), state.publication());
                SqlMigration.abandon(stateDir, state);
            }
        }
        AbandonResult r = new AbandonResult(endpoint.describe(), state.slot(), dropped);
        printer().result(r, x -> "Abandoned the migration of " + state.sourceTable() + " to " + state.targetTable() + ": "
                + (x.dropped().isEmpty() ? "nothing to drop (no slot or publication left" + (endpoint.flavor().mysqlFamily() ? "; the binlog needs none)" : ")")
                : "dropped " + String.join(" and ", x.dropped())) + ". The target table is left as it is.\n");
        return 0;
    }
}
