package io.cutover.core.engine;

import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.deadletter.DeadLetterSink;

/**
 * The side a live migration reads: its capture (changes into the change log) and its snapshot (the backfill). DynamoDB,
 * MongoDB, PostgreSQL and MariaDB each offer one.
 *
 * <p>Threading and lifecycle: every method is called from the thread that runs {@link PhaseMachine#run}, in this order:
 * {@link #validate} and {@link #prepare} (first run only), {@link #check}, {@link #openCapture}, {@link #backfill} (in BACKFILL only),
 * {@link #finish} (COMPLETE only). The connector itself is closed by whoever made it.
 */
public interface SourceConnector {
    /**
     * PREPARE, first: refuses a source that cannot be captured (a stream with no new images...) before the target is made
     * ready and before the source is asked to retain changes.
     */
    default void validate() {
    }

    /**
     * PREPARE, once the target is ready, before anything is saved: makes the source ready to be captured (a replication slot and publication, a
     * stream turned on). Idempotent: a crash before the phase is saved runs it again.
     */
    void prepare();

    /** Every run, before capture opens: refuses a source that no longer serves this migration (its slot is gone...). */
    default void check() {
    }

    /** The capture into {@code log}; not started yet. Changes it cannot map go to {@code deadLetters}. */
    Capture openCapture(ChangeLog log, DeadLetterSink deadLetters);

    /** The backfill of this run; items it cannot map go to {@code deadLetters}. */
    Backfill backfill(DeadLetterSink deadLetters);

    /** COMPLETE: capture is closed and every change applied; releases what the source keeps for capture (slot, publication). */
    default void finish() {
    }
}
