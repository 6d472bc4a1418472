package io.cutover.core.changelog;

import java.util.List;
import java.util.Map;

/**
 * Cutover's own durable record of captured changes, between the source's change stream and the
 * applier: it outlives the source's retention (DynamoDB Streams keep 24 hours), so a long copy loses
 * nothing, and it is the archive that point-in-time restore replays.
 *
 * <p>Contract: {@link #append} is atomic and durable on return: the changes and the partition's new
 * position are both kept, or neither. A change whose (partition, source position) is already in the
 * log is ignored, so re-reading after a crash never duplicates. Log sequences grow in append order.
 *
 * <p>Changes the target acknowledged are pruned once their acknowledgement is older than the log's
 * retention (0: kept for ever, as an archive for restore); an unapplied change is never pruned. A
 * pruned change is no longer there to deduplicate against: capture resumes strictly after its
 * partition's recorded position, which is what keeps a re-read from appending it again
 * (docs/decisions/0051-change-log-counters-and-pruning.md). {@link #size}, {@link #retained},
 * {@link #lastSequence} and {@link #applied} are counters kept in the same transactions as the rows,
 * so they cost nothing however long the log grew.
 *
 * <p>Threading: one capture thread per partition may {@link #append} concurrently; the applier
 * {@link #read}s and {@link #markApplied}s from its own thread. Implementations are thread-safe.
 */
public interface ChangeLog extends AutoCloseable {
    /** Appends changes of one partition and records how far it has been read. Returns how many were new. */
    int append(List<ChangeRecord> changes, PartitionPosition position);

    /** Every partition's recorded position. */
    Map<String, PartitionPosition> positions();

    /** Up to {@code limit} changes with a log sequence greater than {@code afterSequence}, in log order. */
    default List<ChangeRecord> read(long afterSequence, int limit) {
        return read(afterSequence, limit, Long.MAX_VALUE);
    }

    /**
     * As above, but stops once the changes read hold about {@code maxBytes} of item data (always at least
     * one change), so that a chunk of large items does not all sit in memory at once.
     */
    List<ChangeRecord> read(long afterSequence, int limit, long maxBytes);

    /** The highest log sequence appended so far (0 when empty). */
    long lastSequence();

    /** Records that every change up to {@code sequence} was acknowledged by the target (or dead-lettered). */
    default void markApplied(long sequence) {
        markApplied(sequence, new AppliedCounts(0, 0, 0));
    }

    /** As above, adding what those changes came to, in the same transaction, so the counts survive restarts. */
    void markApplied(long sequence, AppliedCounts delta);

    /** What every change taken so far came to, over all runs. */
    AppliedCounts appliedCounts();

    /** Changes written, superseded by a later change of the same key, or dead-lettered. */
    record AppliedCounts(long applied, long superseded, long deadLettered) {
        public AppliedCounts plus(AppliedCounts o) {
            return new AppliedCounts(applied + o.applied, superseded + o.superseded, deadLettered + o.deadLettered);
        }
    }

    /** The highest log sequence acknowledged by the target (0 before any). */
    long applied();

    /** Changes appended in all, pruned ones included. */
    long size();

    /** Changes still kept: {@link #size} less those pruned. */
    long retained();

    /**
     * Deletes changes whose acknowledgement by the target is older than the retention, at most a bounded
     * number per call; returns how many. Never deletes an unapplied change. Appliers call it as they go.
     */
    long prune();

    @Override
    void close();
}
