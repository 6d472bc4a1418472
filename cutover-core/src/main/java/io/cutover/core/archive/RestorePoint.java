package io.cutover.core.archive;

import java.time.Instant;

/**
 * Where a restore stops: at a time (every change Cutover captured at or before it: the capture clock is precise to the
 * millisecond and trails the write by the capture lag) or at a log position (every change with a log sequence up to it, exact).
 */
public record RestorePoint(Long timeMillis, Long sequence) {
    public RestorePoint {
        if ((timeMillis == null) == (sequence == null)) {
            throw new IllegalArgumentException("a restore point is a time or a position, not both");
        }
    }

    public static RestorePoint at(Instant time) {
        return new RestorePoint(time.toEpochMilli(), null);
    }

    public static RestorePoint atSequence(long sequence) {
        return new RestorePoint(null, sequence);
    }

    /** Whether a change belongs before the point. */
    public boolean includes(long changeSequence, long changeTimeMillis) {
        return timeMillis != null ? changeTimeMillis <= timeMillis : changeSequence <= sequence;
    }

    /** Whether a base snapshot can start a restore to this point. */
    public boolean canStartFrom(ArchiveEntry snapshot) {
        return timeMillis != null ? snapshot.readAtMillis() <= timeMillis : snapshot.firstSequence() <= sequence;
    }

    @Override
    public String toString() {
        return timeMillis != null ? Instant.ofEpochMilli(timeMillis).toString() : "log position " + sequence;
    }
}
