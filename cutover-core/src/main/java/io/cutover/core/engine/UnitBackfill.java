package io.cutover.core.engine;

import io.cutover.core.checkpoint.CheckpointStore;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.throttle.Throttle;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The backfill of a source that splits its snapshot into units (key ranges): the units copied in parallel by a
 * {@link BulkCopier}, each checkpointed after the target acknowledged its pages.
 */
public final class UnitBackfill implements Backfill {
    /** The snapshot's units, made for one run. Called on the phase machine's thread. */
    public interface Units {
        /** Opens the units; may report the table to {@code progress}. */
        List<? extends ItemUnit<Map<String, AttributeValue>>> open(CopyProgress progress);

        /** Items the units dead-lettered themselves (rows or documents the mapping could not convert), read after the copy. */
        default long deadLettered() {
            return 0;
        }

        /** Releases what {@link #open} holds (connections, cursors). */
        default void close() {
        }
    }

    private final CheckpointStore checkpoints;
    private final int parallelism;
    private final Throttle readThrottle;
    private final Units units;
    private volatile boolean stop;
    private volatile BulkCopier<?> copier;

    public UnitBackfill(CheckpointStore checkpoints, int parallelism, Throttle readThrottle, Units units) {
        this.checkpoints = checkpoints;
        this.parallelism = parallelism;
        this.readThrottle = readThrottle;
        this.units = units;
    }

    @Override
    public BackfillResult run(TargetWriter writer, CopyProgress progress) {
        try {
            List<? extends ItemUnit<Map<String, AttributeValue>>> opened = units.open(progress);
            var c = new BulkCopier<>(checkpoints, "backfill", writer, parallelism, readThrottle, progress);
            copier = c;
            if (stop) {
                c.requestStop();
            }
            BulkCopyStats stats = c.run(opened);
            return new BackfillResult(stats.items(), stats.deadLettered() + units.deadLettered(), stats.unitsCompleted() >= stats.units());
        } finally {
            copier = null;
            units.close();
        }
    }

    @Override
    public void requestStop() {
        stop = true;
        BulkCopier<?> c = copier;
        if (c != null) {
            c.requestStop();
        }
    }
}
