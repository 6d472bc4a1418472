package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveSnapshot;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * A DynamoDB table as the source of an {@link ArchiveSnapshot}: its key schema from DescribeTable, and parallel scan
 * segments with consistent reads. The log position is recorded before either is read.
 */
public final class DynamoDbArchiveSnapshot {
    private final DynamoDbEndpoint endpoint;
    private final String table;
    private final Path logFile;
    private final ArchiveStore archive;
    private final int segments;
    private final LongSupplier clock;
    private final RetryPolicy retry = RetryPolicy.defaults();

    /** @param logFile the migration's change log (its state directory's changes.db) */
    public DynamoDbArchiveSnapshot(DynamoDbEndpoint endpoint, String table, Path logFile, ArchiveStore archive, int segments, LongSupplier clock) {
        if (segments < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segments must be at least 1, was " + segments);
        }
        this.endpoint = endpoint;
        this.table = table;
        this.logFile = logFile;
        this.archive = archive;
        this.segments = segments;
        this.clock = clock;
    }

    public ArchiveEntry run() {
        try (DynamoDbClient client = DynamoDbClients.create(endpoint, segments * 2)) {
            return new ArchiveSnapshot(logFile, archive, segments, clock).run(new ArchiveSnapshot.Source() {
                @Override
                public String name() {
                    return table;
                }

                @Override
                public List<ArchiveManifest.KeyAttribute> keySchema() {
                    return DynamoDbArchiveSnapshot.keySchema(new DynamoDbTableDefinitions(client, endpoint, retry).read(table).description());
                }

                @Override
                public List<DynamoDbScanSegment> units() {
                    DynamoDbErrorClassifier classifier = new DynamoDbErrorClassifier(endpoint);
                    List<DynamoDbScanSegment> units = new ArrayList<>();
                    for (int s = 0; s < segments; s++) {
                        units.add(new DynamoDbScanSegment(client, table, s, segments, 1000, true, retry, classifier, RetryListener.NONE));
                    }
                    return units;
                }
            });
        }
    }

    static List<ArchiveManifest.KeyAttribute> keySchema(TableDescription d) {
        return d.keySchema().stream().sorted((a, b) -> a.keyTypeAsString().compareTo(b.keyTypeAsString()))
                .map(k -> new ArchiveManifest.KeyAttribute(k.attributeName(), k.keyTypeAsString(), d.attributeDefinitions().stream()
                        .filter(a -> a.attributeName().equals(k.attributeName())).map(AttributeDefinition::attributeTypeAsString)
                        .findFirst().orElseThrow()))
                .toList();
    }
}
