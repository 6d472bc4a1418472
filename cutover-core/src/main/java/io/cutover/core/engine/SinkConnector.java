package io.cutover.core.engine;

import io.cutover.core.apply.ChangeWriter;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.version.VersionAttribute;

/**
 * The side a live migration writes: the bulk writer of the backfill and the writer of live changes. A DynamoDB table, a
 * MongoDB collection or a SQL table (through its store) each offer one. The verify side stays with each store's verify.
 *
 * <p>Threading and lifecycle: the factories are called from the thread that runs {@link PhaseMachine#run}, once per run;
 * the phase machine closes what they return at the end of the run. The writers' own threading is
 * {@link TargetWriter}'s and {@link ChangeWriter}'s.
 */
public interface SinkConnector {
    /** PREPARE, before anything is saved: creates the target or checks the one there. Idempotent. */
    void prepare();

    /** The backfill's writer; items the target refuses go to {@code deadLetters}. */
    TargetWriter bulkWriter(DeadLetterSink deadLetters);

    /** The live writer with no version rule: unconditional batches, for a target no application writes. */
    ChangeWriter unconditionalWriter(TargetWriter bulk);

    /**
     * The live writer under the version rule: a change lands only when newer than what the target holds, and the
     * refusals are counted (decision 0070).
     */
    VersionedWriter versionedWriter(VersionAttribute rule, DeadLetterSink deadLetters);
}
