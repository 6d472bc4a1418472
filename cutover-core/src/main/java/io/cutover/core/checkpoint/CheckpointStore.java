package io.cutover.core.checkpoint;

import java.util.Map;
import java.util.Optional;

/**
 * Durable positions of units of bulk work, grouped by scope (one scope per table copy).
 *
 * <p>Threading: {@link #save} is called concurrently from the worker of each unit, never twice at
 * once for the same unit; implementations must be safe for that. {@link #save} returns only once
 * the checkpoint is durable (a crash right after it returns cannot lose it) and is atomic (a crash
 * during it leaves the previous checkpoint).
 */
public interface CheckpointStore {
    Optional<UnitCheckpoint> load(String scope, String unitId);

    Map<String, UnitCheckpoint> loadAll(String scope);

    void save(String scope, UnitCheckpoint checkpoint);

    /** Forgets every checkpoint of the scope (used by {@code --restart}). */
    void clear(String scope);
}
