package io.cutover.core.engine;

import io.cutover.core.CutoverException;
import java.util.function.BooleanSupplier;

/**
 * A source's change capture, filling the migration's change log on its own threads from {@link #start} until
 * {@link #close}. A capture writes a change's position to the log in the same transaction as the change, so a resumed
 * capture starts after the last change the log holds.
 *
 * <p>Threading: every method but {@link #failure} is called from the phase machine's thread; {@link #failure} is also
 * polled by the backfill's watch thread.
 */
public interface Capture extends AutoCloseable {
    /**
     * Starts capturing and returns once the position capture starts from is durable (in the change log or on the source),
     * so that a backfill begun afterwards misses no change. Blocks.
     *
     * @param beforeBackfill true in phase CAPTURE: nothing has been copied yet (a source may wait for its first position)
     */
    void start(boolean beforeBackfill);

    /** Called once the phase after CAPTURE is saved: a capture that records its positions first and reads later reads from here. */
    default void run() {
    }

    /** What stopped the capture, or null while it runs. */
    CutoverException failure();

    /**
     * The drained check: waits until capture made durable every change the source held when this was called (quiet is not
     * enough: a capture retrying a lost connection is quiet too). Throws the capture's failure, or when capture stops making
     * progress; returns false when {@code stopRequested} turned true first.
     */
    boolean awaitCaughtUp(BooleanSupplier stopRequested);

    /** Stops capturing; what it made durable stays. */
    @Override
    void close();
}
