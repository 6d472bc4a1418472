package io.cutover.dynamodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.cutover.core.checkpoint.AtomicFile;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover verify} for two DynamoDB tables: checks both exist with the same keys, runs the
 * {@link Verifier}, writes the report file (the summary, then every difference, as JSON lines) and
 * keeps the last result in the state directory for {@code status} and {@code migrate}.
 */
public final class DynamoDbVerification implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String LAST_RESULT = "verify-last.json";

    private final DynamoDbEndpoint sourceEndpoint;
    private final DynamoDbEndpoint targetEndpoint;
    private final DynamoDbClient sourceClient;
    private final DynamoDbClient targetClient;
    private final RetryPolicy retry = RetryPolicy.defaults();

    public DynamoDbVerification(DynamoDbEndpoint source, DynamoDbEndpoint target, int connections) {
        this.sourceEndpoint = source;
        this.targetEndpoint = target;
        // At least enough connections for the top of the read climb (VerifyOptions.parallelism 0): a pool only opens what is used.
        int pool = Math.max(connections, 2 * io.cutover.core.verify.VerifyOptions.AUTO_MAX_PARALLELISM + 4);
        // Both read on the pass-through path: Scan pages stay bytes and are canonicalised from their JSON (decision 0220).
        this.sourceClient = DynamoDbClients.create(source, pool, new io.cutover.dynamodb.passthrough.PassThroughBodies());
        this.targetClient = DynamoDbClients.create(target, pool, new io.cutover.dynamodb.passthrough.PassThroughBodies());
    }

    /**
     * Verifies {@code sourceTable} against {@code targetTable}; writes the report to {@code report}
     * and, when {@code stateDir} is given, the result to {@code stateDir/verify-last.json}.
     */
    public VerifyResult run(String sourceTable, String targetTable, VerifyOptions options, CopyProgress progress, Path report,
                            Optional<Path> stateDir) {
        TableDescription s = describe(sourceClient, sourceEndpoint, sourceTable);
        TableDescription t = describe(targetClient, targetEndpoint, targetTable);
        DynamoDbTableDefinitions.incompatibility(s, t).ifPresent(problem -> {
            throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, problem);
        });
        List<String> keys = s.keySchema().stream().sorted((a, b) -> a.keyTypeAsString().compareTo(b.keyTypeAsString()))
                .map(KeySchemaElement::attributeName).toList();
        Verifier verifier = new Verifier(
                new DynamoDbVerifySide(sourceClient, sourceEndpoint, sourceTable, count(s), retry, 1000).passThrough(),
                new DynamoDbVerifySide(targetClient, targetEndpoint, targetTable, count(t), retry, 1000).passThrough(),
                keys, options, progress);
        Verifier.Outcome outcome = verifier.run();
        VerifyResult result = outcome.result().withReportFile(report.toString());
        writeReport(report, result, outcome.all());
        stateDir.ifPresent(dir -> saveLast(dir, result));
        return result;
    }

    private static long count(TableDescription d) {
        return d.itemCount() == null ? -1 : d.itemCount();
    }

    private TableDescription describe(DynamoDbClient client, DynamoDbEndpoint endpoint, String table) {
        DynamoDbTableDefinitions defs = new DynamoDbTableDefinitions(client, endpoint, retry);
        return defs.describe(table).orElseThrow(() -> new CutoverException(ErrorCode.TABLE_NOT_FOUND,
                endpoint.role() + " table '" + table + "' not found at " + endpoint.describe() + ": check --" + endpoint.role() + "-table"));
    }

    /** The report file: the result on the first line, then every difference, as JSON lines (the Spark verify writes the same). */
    public static void writeReport(Path report, VerifyResult result, List<KeyDifference> all) {
        try {
            Path parent = report.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            try (BufferedWriter w = Files.newBufferedWriter(report, StandardCharsets.UTF_8)) {
                w.write(JSON.writeValueAsString(result));
                w.newLine();
                for (KeyDifference d : all) {
                    w.write(JSON.writeValueAsString(d));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write the report " + report + ": " + e.getMessage()
                    + " (check --report)", e);
        }
    }

    /** Keeps {@code result} as the last verify of {@code stateDir} (the switch gates read it; a SQL pair's verify writes it too). */
    public static void saveLast(Path stateDir, VerifyResult result) {
        try {
            AtomicFile.write(stateDir.resolve(LAST_RESULT), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot save the verify result in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    /** When the last verify kept in {@code stateDir} finished (its result file is written once, at the end). */
    public static Optional<java.time.Instant> lastFinishedAt(Path stateDir) {
        try {
            Path f = stateDir.resolve(LAST_RESULT);
            return java.nio.file.Files.exists(f) ? Optional.of(java.nio.file.Files.getLastModifiedTime(f).toInstant()) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The last verify result kept in a state directory, if any. */
    public static Optional<VerifyResult> last(Path stateDir) {
        Path f = stateDir.resolve(LAST_RESULT);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), VerifyResult.class));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, f + " is damaged: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        sourceClient.close();
        targetClient.close();
    }
}
