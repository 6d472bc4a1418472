package io.cutover.core.apply;

/**
 * Counts of an applier, since it was created.
 *
 * @param applied      changes the target acknowledged
 * @param superseded   changes not written because a later change of the same key came in the same chunk
 * @param deadLettered changes written to the dead-letter file instead
 * @param lagP50Millis lag from the change at the source to the target's acknowledgement, over the last 10,000 changes
 */
public record ApplyStats(long applied, long superseded, long deadLettered, long appliedSequence, long lagP50Millis, long lagP99Millis,
                         long lagMaxMillis) {
}
