package io.cutover.core.engine;

/**
 * Where a live migration is, kept durable in its state directory. The phase machine reads the phase and records each move;
 * the connector side owns the file's shape (each migration keeps the file its earlier releases wrote, so a state directory
 * written before the engine still resumes).
 *
 * <p>Threading: called from the thread that runs {@link PhaseMachine#run}; {@link #phase} may also be read by the
 * catch-up loop's reports on that same thread. Every move is durable when the method returns.
 */
public interface PhaseJournal {
    /** The phase: PREPARE (nothing saved yet), CAPTURE, BACKFILL, CATCH_UP, IN_SYNC or COMPLETE. */
    String phase();

    /** Saves the move to {@code phase}. */
    void enter(String phase);

    /** Saves the end of the backfill: the phase CATCH_UP, with this run's copied and dead-lettered items added to the totals. */
    void backfilled(long items, long deadLettered);
}
