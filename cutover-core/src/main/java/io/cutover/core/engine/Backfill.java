package io.cutover.core.engine;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.TargetWriter;

/**
 * One run of a source's backfill (the snapshot copied while capture runs), checkpointed so that the next run goes on
 * where this one stopped.
 *
 * <p>Threading: {@link #run} blocks the phase machine's thread; {@link #requestStop} may be called from any thread, before
 * or during {@link #run}.
 */
public interface Backfill {
    /** Copies what is left into {@code writer}; returns when done, stopped, or throws when the copy cannot go on. */
    BackfillResult run(TargetWriter writer, CopyProgress progress);

    /** Stops after the writes in flight are acknowledged (and checkpointed). */
    void requestStop();

    /**
     * Totals of one backfill run.
     *
     * @param items        items the target acknowledged in this run
     * @param deadLettered items dead-lettered in this run (refused by the target, or that the mapping could not convert)
     * @param complete     true when every part of the snapshot is copied: the migration may leave BACKFILL
     */
    record BackfillResult(long items, long deadLettered, boolean complete) {
    }
}
