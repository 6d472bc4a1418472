package io.cutover.core.apply;

/**
 * Counts of an applier, since it was created, and lag over the last 10,000 changes.
 *
 * @param applied              changes the target acknowledged
 * @param superseded           changes not written because a later change of the same key came in the same chunk
 * @param deadLettered         changes written to the dead-letter file instead
 * @param lagP50Millis         source change time to target acknowledgement; only as exact as the source's clock
 *                             (DynamoDB Streams round to the second, DynamoDB Local to the minute)
 * @param pipelineLagP50Millis time Cutover read the change to target acknowledgement: exact
 */
public record ApplyStats(long applied, long superseded, long deadLettered, long appliedSequence, long lagP50Millis, long lagP99Millis,
                         long lagMaxMillis, long pipelineLagP50Millis, long pipelineLagP99Millis, long pipelineLagMaxMillis) {
}
