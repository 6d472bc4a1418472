package io.cutover.core.copy;

/**
 * Totals of one bulk copy run.
 *
 * @param items          items acknowledged by the target in this run
 * @param bytes          their size as DynamoDB counts it
 * @param deadLettered   items written to the dead-letter file instead
 * @param resumedItems   items already acknowledged by earlier runs (from checkpoints)
 * @param units          units in the copy
 * @param unitsCompleted units that are complete now
 * @param stopped        true when a stop was requested before every unit finished
 */
public record BulkCopyStats(long items, long bytes, long deadLettered, long resumedItems, int units, int unitsCompleted,
                            boolean stopped) {
}
