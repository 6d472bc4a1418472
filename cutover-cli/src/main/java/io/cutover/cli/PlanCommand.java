package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlPlan;
import io.cutover.sql.migrate.SqlTargetTable;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** {@code cutover plan}: checks a SQL-to-DynamoDB mapping, prints the target table and sample items, creates the table on request. */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a mapping from a PostgreSQL or MySQL/MariaDB table to a DynamoDB key design (docs/sql.md).",
                "Prints the target table (keys, GSIs, TTL) and mapped sample rows; refuses a mapping that cannot work (exit 2)."},
        footer = {"", "Exit codes: 0 the mapping works, 2 the mapping or a flag is wrong, 3 source or target unusable, 4 failed."})
public final class PlanCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OutputOptions output;

    @Option(names = "--source", paramLabel = "URI", required = true, description = "postgresql://user:password@host:5432/db or mariadb://user:password@host:3306/db")
    String source;

    @Option(names = "--source-table", paramLabel = "NAME", required = true, description = "Table to map (schema.table or table).")
    String sourceTable;

    @Option(names = "--target-table", paramLabel = "NAME", required = true, description = "DynamoDB table the rows become items of.")
    String targetTable;

    @Option(names = "--mapping", paramLabel = "FILE", required = true, description = "YAML file with a mapping: section (docs/sql.md).")
    Path mapping;

    @Option(names = "--reversible", description = "Also require the mapping to read backwards (items into rows), as a phased cut-over with"
            + " a way back needs: refuse a column no attribute and no reversible key template holds, naming it.")
    boolean reversible;

    @Option(names = "--create", description = "Create the target table with its GSIs and TTL (if it does not exist).")
    boolean create;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "1000", description = "Rows checked for key collisions (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--show", paramLabel = "N", defaultValue = "3", description = "Mapped sample rows printed (default: ${DEFAULT-VALUE}).")
    int show;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        if (sample < 0 || show < 0) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--sample and --show cannot be negative");
        }
        io.cutover.dynamodb.DynamoDbTableName.problem("--target-table", targetTable).ifPresent(p -> {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, p);
        });
        SqlTable table = new SqlTable(SqlEndpoint.parse(source), sourceTable);
        Mapping m = Mapping.load(mapping);
        SqlPlan.Result result = SqlPlan.plan(table, m, targetTable, sample, show, reversible);
        if (create) {
            try (DynamoDbClient client = DynamoDbClients.create(connection.target(), 4)) {
                io.cutover.core.retry.RetryPolicy retry = io.cutover.core.retry.RetryPolicy.defaults();
                var classifier = new io.cutover.dynamodb.DynamoDbErrorClassifier(connection.target());
                TableDescription existing = SqlTargetTable.describe(client, targetTable, retry, classifier);
                if (existing == null) {
                    result = SqlPlan.withCreated(result, SqlTargetTable.create(client, m, targetTable, retry, classifier));
                } else {
                    String why = SqlTargetTable.incompatibility(existing, m);
                    if (why != null) {
                        throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, why);
                    }
                    result = SqlPlan.withCreated(result, List.of("table " + targetTable + " exists with the same keys; left as it is"));
                }
            }
        }
        printer().result(result, PlanCommand::text);
        return 0;
    }

    static String text(SqlPlan.Result r) {
        StringBuilder b = new StringBuilder();
        b.append("Plan: ").append(r.sourceTable()).append(" on ").append(r.source()).append(" -> DynamoDB table ").append(r.targetTable()).append('\n');
        b.append(String.format(Locale.ROOT, "  %,d rows; primary key %s%n", r.rows(), r.primaryKey()));
        b.append("  keys:\n");
        r.keySchema().forEach(k -> b.append("    ").append(k).append('\n'));
        if (!r.indexes().isEmpty()) {
            b.append("  global secondary indexes:\n");
            r.indexes().forEach(k -> b.append("    ").append(k).append('\n'));
        }
        if (r.ttl() != null) {
            b.append("  TTL: ").append(r.ttl()).append('\n');
        }
        b.append("  attributes: ");
        r.attributes().forEach((c, a) -> b.append(c.equals(a) ? c : c + "->" + a).append(' '));
        b.append('\n');
        b.append("  sample items:\n");
        r.samples().forEach(s -> b.append("    ").append(s).append('\n'));
        r.warnings().forEach(w -> b.append("  warning: ").append(w).append('\n'));
        r.created().forEach(c -> b.append("  ").append(c).append('\n'));
        b.append("Result: the mapping works").append(r.created().isEmpty() ? " (pass --create to create the table)" : "").append('\n');
        return b.toString();
    }
}
