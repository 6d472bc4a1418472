package io.cutover.core.changelog;

import io.cutover.core.item.ItemSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/** The in-memory twin of {@link SqliteChangeLog}, for tests. Thread-safe. */
public final class InMemoryChangeLog implements ChangeLog {
    private final NavigableMap<Long, ChangeRecord> changes = new TreeMap<>();
    private final Set<String> seen = new HashSet<>();
    private final Map<String, PartitionPosition> positions = new TreeMap<>();
    private final NavigableMap<Long, Long> appliedAt = new TreeMap<>();
    private final long retentionMillis;
    private final LongSupplier clock;
    private long appended;
    private long applied;
    private AppliedCounts counts = new AppliedCounts(0, 0, 0);

    /** Keeps every change. */
    public InMemoryChangeLog() {
        this(Duration.ZERO, () -> 0);
    }

    /** Prunes applied changes once their acknowledgement is {@code retention} old by {@code clock} (zero: never). */
    public InMemoryChangeLog(Duration retention, LongSupplier clock) {
        this.retentionMillis = retention.toMillis();
        this.clock = clock;
    }

    @Override
    public synchronized int append(List<ChangeRecord> batch, PartitionPosition position) {
        int added = 0;
        for (ChangeRecord c : batch) {
            if (seen.add(c.partition() + "\u0000" + c.sourcePosition())) {
                appended++;
                changes.put(appended, c.withLogSequence(appended));
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
    public synchronized List<ChangeRecord> read(long afterSequence, int limit, long maxBytes) {
        List<ChangeRecord> out = new ArrayList<>();
        long bytes = 0;
        for (ChangeRecord c : changes.tailMap(afterSequence, false).values()) {
            if (out.size() >= limit || bytes >= maxBytes) {
                break;
            }
            out.add(c);
            bytes += ItemSize.wire(c.key()) + (c.image() == null ? 0 : ItemSize.wire(c.image()));
        }
        return out;
    }

    @Override
    public synchronized long lastSequence() {
        return appended;
    }

    @Override
    public synchronized void markApplied(long sequence, AppliedCounts delta) {
        if (sequence > applied && retentionMillis > 0) {
            appliedAt.put(sequence, clock.getAsLong());
        }
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
        return appended;
    }

    @Override
    public synchronized long retained() {
        return changes.size();
    }

    @Override
    public synchronized long prune() {
        if (retentionMillis == 0) {
            return 0;
        }
        long cutoff = clock.getAsLong() - retentionMillis;
        long upTo = 0;
        for (Map.Entry<Long, Long> e : appliedAt.entrySet()) {
            if (e.getValue() <= cutoff) {
                upTo = e.getKey();
            }
        }
        NavigableMap<Long, ChangeRecord> gone = changes.headMap(upTo, true);
        long n = gone.size();
        gone.clear();
        appliedAt.headMap(upTo, false).clear();
        return n;
    }

    @Override
    public void close() {
    }
}
