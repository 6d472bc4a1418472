package io.cutover.core.checkpoint;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory twin of {@link FileCheckpointStore}, for tests and dry runs. Thread-safe. */
public final class InMemoryCheckpointStore implements CheckpointStore {
    private final Map<String, Map<String, UnitCheckpoint>> scopes = new ConcurrentHashMap<>();

    @Override
    public Optional<UnitCheckpoint> load(String scope, String unitId) {
        FileCheckpointStore.safe(unitId);
        return Optional.ofNullable(scopes.getOrDefault(FileCheckpointStore.safe(scope), Map.of()).get(unitId));
    }

    @Override
    public Map<String, UnitCheckpoint> loadAll(String scope) {
        return new TreeMap<>(scopes.getOrDefault(FileCheckpointStore.safe(scope), Map.of()));
    }

    @Override
    public void save(String scope, UnitCheckpoint checkpoint) {
        FileCheckpointStore.safe(checkpoint.unitId());
        scopes.computeIfAbsent(FileCheckpointStore.safe(scope), s -> new ConcurrentHashMap<>()).put(checkpoint.unitId(), checkpoint);
    }

    @Override
    public void clear(String scope) {
        scopes.remove(FileCheckpointStore.safe(scope));
    }
}
