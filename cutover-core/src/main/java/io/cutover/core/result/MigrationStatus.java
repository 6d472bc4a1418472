package io.cutover.core.result;

/**
 * Where a live migration stands, as {@code cutover status} and {@code migrate} print it and the HTTP
 * API will serve it. Written by the running migration about once a second.
 *
 * @param phase          PREPARE, CAPTURE, BACKFILL, CATCH_UP or IN_SYNC
 * @param captured       changes in the change log
 * @param applied        changes the target acknowledged
 * @param superseded     changes replaced by a later change of the same key before being written
 * @param deadLettered   changes written to the dead-letter file instead
 * @param backlog        changes captured but not yet applied
 * @param lagP50Millis   source change time to target acknowledgement, only as exact as the source's timestamps
 *                       (DynamoDB Streams round them to the second; DynamoDB Local to the minute, which makes it meaningless there)
 * @param pipelineLagP50Millis the moment Cutover read the change to target acknowledgement: exact
 * @param positions      per shard: the last stream sequence number kept, or "finished"
 * @param refused        changes the version rule refused (the site held a newer or equal version): echoes of the other
 *                       direction and stale records; counted in {@code applied} too
 * @param conflicts      of those, true conflicts: older than the stored value, different from it and written by another
 *                       instance (listed in the state directory's conflicts.jsonl)
 * @param fenced         true while the registry's phase forbids this direction to apply (docs/decisions/0074)
 */
public record MigrationStatus(String phase, String sourceTable, String targetTable, String streamArn, long backfillItems,
                              long captured, long applied, long superseded, long deadLettered, long backlog,
                              double changesPerSecond, long lagP50Millis, long lagP99Millis, long lagMaxMillis,
                              long pipelineLagP50Millis, long pipelineLagP99Millis, long pipelineLagMaxMillis,
                              java.util.Map<String, String> positions, String updatedAt, long refused, long conflicts,
                              boolean fenced) {

    /** A status without version-rule figures (a migration that applies unconditionally). */
    public MigrationStatus(String phase, String sourceTable, String targetTable, String streamArn, long backfillItems,
                           long captured, long applied, long superseded, long deadLettered, long backlog,
                           double changesPerSecond, long lagP50Millis, long lagP99Millis, long lagMaxMillis,
                           long pipelineLagP50Millis, long pipelineLagP99Millis, long pipelineLagMaxMillis,
                           java.util.Map<String, String> positions, String updatedAt) {
        this(phase, sourceTable, targetTable, streamArn, backfillItems, captured, applied, superseded, deadLettered, backlog,
                changesPerSecond, lagP50Millis, lagP99Millis, lagMaxMillis, pipelineLagP50Millis, pipelineLagP99Millis,
                pipelineLagMaxMillis, positions, updatedAt, 0, 0, false);
    }

    /**
     * The status of a migration from its change log and its applier's figures; {@code log} is null before
     * capture starts (or with no capture at all), {@code stats} before applying starts.
     */
    public static MigrationStatus of(String phase, String sourceTable, String targetTable, String streamArn, long backfillItems,
                                     io.cutover.core.changelog.ChangeLog log, io.cutover.core.apply.ApplyStats stats,
                                     double changesPerSecond, java.util.Map<String, String> positions) {
        long captured = log == null ? 0 : log.size();
        long backlog = log == null ? 0 : log.lastSequence() - log.applied();
        if (stats == null) {
            return new MigrationStatus(phase, sourceTable, targetTable, streamArn, backfillItems, captured, 0, 0, 0, backlog,
                    changesPerSecond, 0, 0, 0, 0, 0, 0, positions, java.time.Instant.now().toString());
        }
        return new MigrationStatus(phase, sourceTable, targetTable, streamArn, backfillItems, captured, stats.applied(), stats.superseded(),
                stats.deadLettered(), backlog, changesPerSecond, stats.lagP50Millis(), stats.lagP99Millis(), stats.lagMaxMillis(),
                stats.pipelineLagP50Millis(), stats.pipelineLagP99Millis(), stats.pipelineLagMaxMillis(), positions,
                java.time.Instant.now().toString());
    }

    /** The same status with another dead-letter count (a source that counts its own dead letters). */
    public MigrationStatus withDeadLettered(long count) {
        return new MigrationStatus(phase, sourceTable, targetTable, streamArn, backfillItems, captured, applied, superseded, count, backlog,
                changesPerSecond, lagP50Millis, lagP99Millis, lagMaxMillis, pipelineLagP50Millis, pipelineLagP99Millis, pipelineLagMaxMillis,
                positions, updatedAt, refused, conflicts, fenced);
    }

    /** The same status with the version rule's figures and the fence's state. */
    public MigrationStatus withVersionRule(long refusedCount, long conflictCount, boolean isFenced) {
        return new MigrationStatus(phase, sourceTable, targetTable, streamArn, backfillItems, captured, applied, superseded, deadLettered,
                backlog, changesPerSecond, lagP50Millis, lagP99Millis, lagMaxMillis, pipelineLagP50Millis, pipelineLagP99Millis,
                pipelineLagMaxMillis, positions, updatedAt, refusedCount, conflictCount, isFenced);
    }
}
