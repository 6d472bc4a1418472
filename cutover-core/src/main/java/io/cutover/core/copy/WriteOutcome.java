package io.cutover.core.copy;

/**
 * What happened to a group of items handed to a {@link TargetWriter}: every item is either
 * acknowledged by the target or dead-lettered, never neither.
 */
public record WriteOutcome(long written, long bytes, long deadLettered) {
    public static final WriteOutcome NONE = new WriteOutcome(0, 0, 0);

    public WriteOutcome plus(WriteOutcome other) {
        return new WriteOutcome(written + other.written, bytes + other.bytes, deadLettered + other.deadLettered);
    }
}
