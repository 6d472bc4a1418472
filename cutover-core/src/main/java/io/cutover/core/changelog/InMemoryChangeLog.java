package io.cutover.core.changelog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The in-memory twin of {@link SqliteChangeLog}, for tests. Thread-safe. */
public final class InMemoryChangeLog implements ChangeLog {
    private final List<ChangeRecord> changes = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final Map<String, PartitionPosition> positions = new TreeMap<>();
    private long applied;
    private AppliedCounts counts = new AppliedCounts(0, 0, 0);

    @Override
    public synchronized int append(List<ChangeRecord> batch, PartitionPosition position) {
        int added = 0;
        for (ChangeRecord c : batch) {
            if (seen.add(c.partition() + "\u0000" + c.sourcePosition())) {
                changes.add(c.withLogSequence(changes.size() + 1));
                added++;
            }
        }
        positions.put(position.partition(), position);
        return added;
    }

    @Override
    public synchronized Map<String, PartitionPosition> positions() {
        return new TreeMap<>(positions);
    }

    @Override
    public synchronized List<ChangeRecord> read(long afterSequence, int limit) {
        int from = (int) Math.min(afterSequence, changes.size());
        return new ArrayList<>(changes.subList(from, Math.min(changes.size(), from + limit)));
    }

    @Override
    public synchronized long lastSequence() {
        return changes.size();
    }

    @Override
    public synchronized void markApplied(long sequence, AppliedCounts delta) {
        applied = Math.max(applied, sequence);
        counts = counts.plus(delta);
    }

    @Override
    public synchronized AppliedCounts appliedCounts() {
        return counts;
    }

    @Override
    public synchronized long applied() {
        return applied;
    }

    @Override
    public synchronized long size() {
        return changes.size();
    }

    @Override
    public void close() {
    }
}
