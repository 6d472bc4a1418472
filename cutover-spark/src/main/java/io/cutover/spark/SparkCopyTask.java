package io.cutover.spark;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.CheckpointStore;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.checkpoint.UnitCheckpoint;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.api.java.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The body of one Spark task of a copy or an export load: runs the core {@link BulkCopier} over its one unit,
 * with the unit's checkpoint in the shared state directory (so a retried task or a re-submitted job resumes
 * after the last page the target acknowledged), its own dead-letter file, and its share of the job's rates.
 *
 * <p>Runs on an executor thread; blocks until the unit is done. Serializable: Spark ships it with the settings.
 */
final class SparkCopyTask implements Function<UnitSpec, UnitOutcome> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SparkCopyTask.class);
    static final String DEAD_LETTERS = "dead-letters";

    private final SparkJobSettings settings;
    private final int tasksAtOnce;

    SparkCopyTask(SparkJobSettings settings, int tasksAtOnce) {
        this.settings = settings;
        this.tasksAtOnce = tasksAtOnce;
    }

    /** The job's rate shared out across the tasks running at once; 0 (no limit) stays 0. */
    static double share(double jobRate, int tasksAtOnce) {
        return jobRate <= 0 ? 0 : Math.max(1.0, jobRate / Math.max(1, tasksAtOnce));
    }

    @Override
    public UnitOutcome call(UnitSpec spec) {
        long start = System.nanoTime();
        RetryPolicy retry = RetryPolicy.defaults();
        Throttle readThrottle = new Throttle(share(settings.maxReadRate(), tasksAtOnce));
        LongAdder readRetries = new LongAdder();
        RetryListener readListener = (failure, attempt) -> {
            readRetries.increment();
            if (failure.code() == ErrorCode.THROTTLED) {
                readThrottle.onThrottled();
            }
        };
        DynamoDbClient source = spec.exportFile() ? null : DynamoDbClients.create(settings.source().toEndpoint(), 4);
        try (DynamoDbClient target = DynamoDbClients.create(settings.target().toEndpoint(), settings.writeConcurrency() + 4)) {
            SnapshotUnit unit = spec.exportFile() ? ExecutorUnits.exportFile(settings, spec, retry)
                    : ExecutorUnits.scanSegment(source, settings.source(), settings.sourceTable(), spec, settings.pageSize(), retry,
                            readListener);
            CheckpointStore checkpoints = new FileCheckpointStore(settings.stateDirPath().resolve("checkpoints"));
            long resumed = checkpoints.load(settings.scope(), unit.id()).map(UnitCheckpoint::items).orElse(0L);
            FileDeadLetterSink deadLetters = new FileDeadLetterSink(deadLetterFile(settings.stateDirPath(), unit.id()));
            try (DynamoDbBatchWriter writer = new DynamoDbBatchWriter(target, settings.targetTable(), settings.writeConcurrency(),
                    new Throttle(share(settings.maxWriteRate(), tasksAtOnce)), retry,
                    new DynamoDbErrorClassifier(settings.target().toEndpoint()), deadLetters)) {
                var copier = new BulkCopier<>(checkpoints, settings.scope(), writer, 1, readThrottle, CopyProgress.NONE);
                BulkCopyStats stats = copier.run(List.of(unit));
                double seconds = (System.nanoTime() - start) / 1e9;
                LOG.info("{} {}: {} items in {} s ({} resumed)", settings.scope(), unit.id(), stats.items(),
                        String.format("%.1f", seconds), resumed);
                return new UnitOutcome(unit.id(), stats.items(), stats.bytes(), stats.deadLettered(), resumed, !stats.stopped(),
                        writer.retries() + readRetries.sum(), writer.throttles() + readThrottle.throttles(), seconds);
            } finally {
                deadLetters.close();
            }
        } finally {
            if (source != null) {
                source.close();
            }
        }
    }

    /** One dead-letter file per unit: tasks on different executors never append to the same file. */
    static Path deadLetterFile(Path stateDir, String unitId) {
        Path dir = stateDir.resolve(DEAD_LETTERS);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot create " + dir + ": " + e.getMessage()
                    + " (is --state-dir writable from every executor?)", e);
        }
        return dir.resolve(unitId + ".jsonl");
    }
}
