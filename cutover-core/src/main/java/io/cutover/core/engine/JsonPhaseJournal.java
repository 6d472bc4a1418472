package io.cutover.core.engine;

import io.cutover.core.checkpoint.JsonStateFile;
import java.nio.file.Path;

/**
 * A {@link PhaseJournal} kept as one JSON file (written atomically) holding a migration's own state record {@code S}; the
 * record's moves are given by the migration, so the file keeps the shape that migration always wrote.
 *
 * @param <S> the migration's state record
 */
public final class JsonPhaseJournal<S> implements PhaseJournal {
    /** How a state record moves; pure functions. */
    public interface Moves<S> {
        String phase(S state);

        S withPhase(S state, String phase);

        /** The record once the backfill ended: phase CATCH_UP, totals increased. */
        S backfilled(S state, long items, long deadLettered);

        /** The record's moves from its own accessors: each connector's record says how it reads and changes its phase. */
        static <S> Moves<S> of(java.util.function.Function<S, String> phase, java.util.function.BiFunction<S, String, S> withPhase,
                               Backfilled<S> backfilled) {
            return new Moves<>() {
                @Override
                public String phase(S state) {
                    return phase.apply(state);
                }

                @Override
                public S withPhase(S state, String next) {
                    return withPhase.apply(state, next);
                }

                @Override
                public S backfilled(S state, long items, long deadLettered) {
                    return backfilled.apply(state, items, deadLettered);
                }
            };
        }
    }

    /** {@link Moves#backfilled} as a function. */
    @FunctionalInterface
    public interface Backfilled<S> {
        S apply(S state, long items, long deadLettered);
    }

    private final Path file;
    private final Moves<S> moves;
    private volatile S state;

    /** @param initial the loaded record, or a new one in phase PREPARE (not saved until its first move) */
    public JsonPhaseJournal(Path file, S initial, Moves<S> moves) {
        this.file = file;
        this.moves = moves;
        this.state = initial;
    }

    /** The record as last moved. */
    public S state() {
        return state;
    }

    /** Replaces the record and saves it (a connector that records more than the phase, e.g. split points computed late). */
    public void save(S newState) {
        JsonStateFile.write(file, newState);
        state = newState;
    }

    /** Replaces the record without saving it: what PREPARE learns (a stream's name) is saved with the move to CAPTURE. */
    public void amend(S newState) {
        state = newState;
    }

    @Override
    public String phase() {
        return moves.phase(state);
    }

    @Override
    public void enter(String phase) {
        save(moves.withPhase(state, phase));
    }

    @Override
    public void backfilled(long items, long deadLettered) {
        save(moves.backfilled(state, items, deadLettered));
    }
}
