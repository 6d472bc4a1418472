package io.cutover.mongodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.AtomicFile;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbVerifySide;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover verify --source mongodb://...}: the collection through its mapping against the
 * DynamoDB table, with the same {@link Verifier} as table-to-table verification: counts, missing,
 * extra, different. Writes the report file and the last result like {@code DynamoDbVerification}.
 */
public final class MongoVerification implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MongoCollectionSource source;
    private final DynamoDbEndpoint targetEndpoint;
    private final DynamoDbClient target;

    public MongoVerification(MongoSourceUri uri, String collection, DocumentMapping mapping, DynamoDbEndpoint target, int connections) {
        this.source = new MongoCollectionSource(uri, collection, mapping);
        this.targetEndpoint = target;
        this.target = DynamoDbClients.create(target, connections);
    }

    public VerifyResult run(String targetTable, VerifyOptions options, CopyProgress progress, Path report, Optional<Path> stateDir) {
        source.check();
        TableDescription t = MongoTargetTable.describe(target, targetTable);
        if (t == null) {
            throw new CutoverException(ErrorCode.TABLE_NOT_FOUND, "target table '" + targetTable + "' not found at "
                    + targetEndpoint.describe() + ": check --target-table");
        }
        List<String> keys = t.keySchema().stream().sorted((a, b) -> a.keyTypeAsString().compareTo(b.keyTypeAsString()))
                .map(k -> k.attributeName()).toList();
        if (!keys.equals(source.mapper().mapping().keyAttributes())) {
            throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "target table '" + targetTable + "' has the key " + keys
                    + " but the mapping gives " + source.mapper().mapping().keyAttributes() + ": check --key-attribute and --sort-key-field");
        }
        Verifier verifier = new Verifier(new MongoVerifySide(source, 1000),
                new DynamoDbVerifySide(target, targetEndpoint, targetTable, t.itemCount() == null ? -1 : t.itemCount(), RetryPolicy.defaults(), 1000),
                keys, options, progress);
        Verifier.Outcome outcome = verifier.run();
        VerifyResult result = outcome.result().withReportFile(report.toString());
        writeReport(report, result, outcome.all());
        stateDir.ifPresent(dir -> {
            try {
                AtomicFile.write(dir.resolve("verify-last.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
            } catch (IOException e) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot save the verify result in " + dir + ": " + e.getMessage(), e);
            }
        });
        return result;
    }

    private static void writeReport(Path report, VerifyResult result, List<KeyDifference> all) {
        try {
            Files.createDirectories(report.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(report, StandardCharsets.UTF_8)) {
                w.write(JSON.writeValueAsString(result));
                w.newLine();
                for (KeyDifference d : all) {
                    w.write(JSON.writeValueAsString(d));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write the report " + report + ": " + e.getMessage() + " (check --report)", e);
        }
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}
