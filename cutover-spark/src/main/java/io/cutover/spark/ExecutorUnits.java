package io.cutover.spark;

import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.DynamoDbScanSegment;
import io.cutover.dynamodb.ExportStores;
import io.cutover.dynamodb.export.ExportFileUnit;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportManifest;
import io.cutover.dynamodb.export.ExportStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Builds, on an executor, the unit of bulk work a {@link UnitSpec} names: the very {@link DynamoDbScanSegment} and
 * {@link ExportFileUnit} the single-process copy runs, so a Spark task reads exactly what a copier thread would.
 */
final class ExecutorUnits {
    private ExecutorUnits() {
    }

    static SnapshotUnit scanSegment(DynamoDbClient client, SparkEndpoint side, String table, UnitSpec spec, int pageSize,
                                    RetryPolicy retry, RetryListener listener) {
        return new DynamoDbScanSegment(client, table, spec.index(), spec.of(), pageSize, retry,
                new DynamoDbErrorClassifier(side.toEndpoint()), listener);
    }

    /** The export's store and manifest, read once per task (a few small reads next to a data file's). */
    static ExportFileUnit exportFile(SparkJobSettings s, UnitSpec spec, RetryPolicy retry) {
        ExportStore store = ExportStores.open(ExportLocation.parse("--from-export", s.exportLocation()), exportEndpoint(s));
        ExportManifest manifest = ExportManifest.read(store);
        return new ExportFileUnit(store, manifest, spec.index(), s.pageSize(), retry);
    }

    static io.cutover.dynamodb.DynamoDbEndpoint exportEndpoint(SparkJobSettings s) {
        return (s.export() != null ? s.export() : new SparkEndpoint("export", null, null, null)).toEndpoint();
    }
}
