package io.cutover.core.copy;

import io.cutover.core.result.TableCopyResult;

/**
 * Told as a copy moves; called from worker threads, so implementations must be thread-safe and
 * quick (a progress bar samples counters; it does no I/O here).
 */
public interface CopyProgress {
    CopyProgress NONE = new CopyProgress() { };

    /** A table's copy starts; {@code alreadyCopied} items were acknowledged by an earlier run. */
    default void tableStarted(String source, String target, long estimatedItems, long alreadyCopied) { }

    /**
     * Items the target acknowledged (or that were dead-lettered) since the last call, as each page's
     * writes complete: ahead of {@link #acknowledged}, which follows checkpoints. For progress
     * displays. {@code BulkCopier} calls it for every connector (DynamoDB, SQL, MongoDB).
     */
    default void written(long items) { }

    /** Items (written or dead-lettered) and bytes checkpointed since the last call, for one unit. */
    default void acknowledged(String unitId, long items, long bytes) { }

    /** A unit finished (or was already finished when the copy resumed). */
    default void unitDone(String unitId) { }

    default void tableFinished(TableCopyResult result) { }
}
