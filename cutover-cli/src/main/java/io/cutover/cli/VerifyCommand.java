package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbVerification;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover verify}: proves two tables hold the same items, or says exactly which keys differ and how. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prove two tables hold the same items, or list exactly which keys differ and how.",
                "Reports counts, and the keys missing in the target, extra in the target, or different (with the attributes",
                "that differ). Memory stays flat however large the tables."},
        footer = {"", "Examples:",
                "  cutover verify --source-table orders --target-table orders-v2 --source-profile prod --target-profile staging",
                "  cutover verify --endpoint-url http://localhost:8000 --source-table a --target-table b --recheck --output json",
                "", "Exit codes: 0 identical, 1 different, 2 error (bad flags, unreachable endpoint, missing table, ...)."})
public final class VerifyCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--source", paramLabel = "URI", description = {"Absent for a DynamoDB source table; mongodb://host:port/database for a MongoDB collection;",
            "postgresql://..., mysql://..., mariadb://... for a SQL table (needs --mapping)."})
    String source;

    @Option(names = "--target", paramLabel = "URI", description = {"Absent for a DynamoDB target table; a mongodb://, postgresql://, mysql://"
            + " or mariadb:// URI to name the old store of a cut-over as the target, with the DynamoDB table as --source-table (the reverse"
            + " direction's spelling): the same comparison as with the two sides named the other way round, reported with the store as"
            + " source (each side is named in the output).",
            "With a SQL --source, a table of the other SQL engine (a PostgreSQL <-> MariaDB pair, docs/sql.md): compared row by row by"
                    + " primary key through one normalisation (numbers by value, times as UTC instants, JSON as trees); rows marked deleted"
                    + " by --version-attribute's flag count as absent."})
    String target;

    @Mixin
    MongoSourceOptions mongo;

    @Option(names = "--version-attribute", paramLabel = "NAME", defaultValue = io.cutover.core.version.VersionAttribute.DEFAULT_NAME,
            description = "Two SQL tables: the version column whose tombstone flag (NAME_deleted) marks a deleted row (default: ${DEFAULT-VALUE}).")
    String versionAttribute;

    @Option(names = "--mapping", paramLabel = "FILE", description = "SQL source: the mapping the migration used (docs/sql.md).")
    Path mapping;

    @Option(names = "--bucket-by", paramLabel = "COLUMN:UNIT", description = "SQL source: also count rows and items per hour, day or month of a column, e.g. log_timestamp:day.")
    String bucketBy;

    @Option(names = "--source-table", paramLabel = "NAME", description = "Source table.")
    String sourceTable;

    @Option(names = "--target-table", paramLabel = "NAME", description = "Target table (default: same as --source-table).")
    String targetTable;

    @Option(names = "--segments", paramLabel = "N", defaultValue = "16", description = "Scan segments per table (default: ${DEFAULT-VALUE}).")
    int segments;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "0", description = "Segments read at once per table; 0 (the default):"
            + " found while reading on DynamoDB (between 1 and 32), 8 on MongoDB and SQL.")
    int parallelism;

    @Option(names = "--max-read-rate", paramLabel = "ITEMS/S", defaultValue = "0", description = "Read at most this many items per second from each table (default: no limit).")
    double maxReadRate;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "0", description = "Check only N random keys from each side (a quick check; default: compare everything).")
    int sample;

    @Option(names = "--recheck", description = "Re-read each mismatch on both sides (strongly consistent) after --settle-seconds; report only those that persist.")
    boolean recheck;

    @Option(names = "--settle-seconds", paramLabel = "S", defaultValue = "2", description = "Wait before a recheck (default: ${DEFAULT-VALUE}).")
    double settleSeconds;

    @Option(names = "--list-limit", paramLabel = "N", defaultValue = "100", description = "Keys listed per kind in the output (default: ${DEFAULT-VALUE}; the report file has all).")
    int listLimit;

    @Option(names = "--report", paramLabel = "FILE", description = "Report file: the summary, then every difference, as JSON lines (default: STATE-DIR/verify-report-TIME.jsonl).")
    Path report;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/verify", description = "Where the last result is kept (default: ${DEFAULT-VALUE}).")
    Path stateDir;




    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public int exitCodeFor(CutoverException e) {
        return e.code() == ErrorCode.INTERRUPTED ? e.exitCode() : 2;
    }

    @Override
    public Integer call() {
        Connector from = Connector.of("--source", source);
        Connector to = Connector.of("--target", target);
        if (from == Connector.SQL && to == Connector.SQL) {
            return SqlRunner.verifyPair(this); // PostgreSQL <-> MariaDB (decision 0200)
        }
        if (from != Connector.DYNAMODB && to != Connector.DYNAMODB) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source " + from.describe() + " and --target " + to.describe()
                    + ": verify compares a store with a DynamoDB table in this build; leave one of --source and --target out");
        }
        String table = to != Connector.DYNAMODB ? sourceTable : targetTable != null ? targetTable : from == Connector.MONGODB ? null : sourceTable;
        if (table != null) {
            io.cutover.dynamodb.DynamoDbTableName.problem(to != Connector.DYNAMODB ? "--source-table" : "--target-table", table).ifPresent(p -> {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, p);
            });
        }
        if (settleSeconds < 0 || settleSeconds > 3600) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--settle-seconds must be between 0 and 3600, was " + settleSeconds);
        }
        if (to != Connector.DYNAMODB) {
            // The store named as the target: the same pair as --source URI against the DynamoDB table (the gates accept either order).
            String dynamoDbTable = sourceTable;
            source = target;
            sourceTable = to == Connector.SQL ? targetTable : null;
            targetTable = dynamoDbTable;
            target = null;
            if (to == Connector.SQL && sourceTable == null) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--target-table is required with a SQL --target: name the SQL table to"
                        + " compare with the DynamoDB --source-table");
            }
            if (to == Connector.MONGODB && dynamoDbTable == null) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required with a mongodb:// --target: the DynamoDB table");
            }
            return to.verify(this);
        }
        return from.verify(this);
    }

    /** The read options every verify takes from the flags. */
    VerifyOptions options() {
        return VerifyOptions.defaults().withSegments(segments).withParallelism(parallelism).withMaxReadRate(maxReadRate)
                .withSample(sample).withRecheck(recheck, Duration.ofMillis((long) (settleSeconds * 1000))).withListLimit(listLimit);
    }

    private Path reportFile() {
        return report != null ? report : stateDir.resolve("verify-report-" + Instant.now().toString().replace(':', '-') + ".jsonl");
    }

    /** A MongoDB collection against a DynamoDB table. */
    int verifyMongo() {
        return MongoVerifyRunner.run(this, options(), reportFile());
    }

    /** Two DynamoDB tables. */
    int verifyDynamoDb() {
        if (sourceTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required (or --source mongodb://... for MongoDB)");
        }
        VerifyOptions options = options();
        Path reportFile = reportFile();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress());
             DynamoDbVerification verification = new DynamoDbVerification(connection.source(), connection.target(), 2 * options.maxParallelism() + 4)) {
            VerifyResult result = verification.run(sourceTable, targetTable != null ? targetTable : sourceTable, options, bar,
                    reportFile, Optional.of(stateDir));
            bar.finish();
            printer().result(result, VerifyCommand::text);
            return result.identical() ? 0 : 1;
        }
    }

    static String text(VerifyResult r) {
        StringBuilder b = new StringBuilder();
        b.append("Verify ").append(r.mode().equals("sample") ? "(sample)" : "(full)").append(": ").append(r.source())
                .append("\n    against ").append(r.target()).append('\n');
        b.append(String.format(Locale.ROOT, "  %,d source items, %,d target items checked in %.1f s (%,.0f items/s)%s%n",
                r.sourceItems(), r.targetItems(), r.seconds(), r.itemsPerSecond(),
                r.mode().equals("full") ? String.format(Locale.ROOT, "; %,d of %,d key buckets differed", r.bucketsMismatched(), r.buckets()) : ""));
        b.append(String.format(Locale.ROOT, "  missing in target: %,d%n", r.missing()));
        r.missingKeys().forEach(k -> b.append("    ").append(k).append('\n'));
        b.append(String.format(Locale.ROOT, "  extra in target:   %,d%n", r.extra()));
        r.extraKeys().forEach(k -> b.append("    ").append(k).append('\n'));
        b.append(String.format(Locale.ROOT, "  different:         %,d%n", r.different()));
        for (KeyDifference d : r.differentItems()) {
            b.append("    ").append(d.key()).append(d.attributes().isEmpty() ? "" : " attributes " + d.attributes()).append('\n');
        }
        if (r.truncated()) {
            b.append("  (lists cut at --list-limit; the report has every key)\n");
        }
        if (r.recheck() != null) {
            b.append(String.format(Locale.ROOT, "  recheck after %.1f s: %,d settled (writes in flight), %,d persistent%n",
                    r.recheck().settleSeconds(), r.recheck().settled(), r.recheck().persistent()));
        }
        b.append(r.identical() ? "Result: IDENTICAL" : "Result: DIFFERENT").append("; report: ").append(r.reportFile()).append('\n');
        return b.toString();
    }
}
