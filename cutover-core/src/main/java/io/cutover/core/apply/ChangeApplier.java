package io.cutover.core.apply;

import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.item.CanonicalItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Applies the change log to the target, per key in log order, different keys in parallel
 * (docs/decisions/0011-apply-in-chunks.md). It reads a chunk of changes after the applied mark, keeps
 * only the last change of each key (the others are superseded: a later change of the same key
 * replaces them whole), hands the chunk to the {@link ChangeWriter}, which may write its distinct
 * keys in any order, and moves the applied mark past the chunk only once the target acknowledged it.
 * Chunks go one after another, so a key's changes land in order; replaying any suffix of the log
 * gives the same target, so a crash between write and mark only repeats work. A chunk is bounded by
 * bytes as well as by count (1,000 images of 400 KB would be 400 MB), and after each chunk the log
 * may prune what was applied long enough ago.
 *
 * <p>Single-threaded: call {@link #applyAvailable} from one thread.
 */
public final class ChangeApplier {
    private static final int LAG_WINDOW = 10_000;
    /** Item bytes one chunk holds at most, unless one change alone is larger. */
    public static final long DEFAULT_CHUNK_BYTES = 16L * 1024 * 1024;

    private final ChangeLog log;
    private final ChangeWriter writer;
    private final int chunkSize;
    private final long chunkBytes;
    private final LongSupplier clock;
    private final long[] lags = new long[LAG_WINDOW];
    private final long[] pipelineLags = new long[LAG_WINDOW];
    private int lagCount;
    private java.util.function.ObjLongConsumer<ChangeRecord> onApplied = (c, t) -> { };

    /** Told, on the applier's thread, of every change written and the time the target acknowledged it (benchmarks). */
    public void onApplied(java.util.function.ObjLongConsumer<ChangeRecord> listener) {
        this.onApplied = listener;
    }

    public ChangeApplier(ChangeLog log, ChangeWriter writer, int chunkSize, LongSupplier millisClock) {
        this(log, writer, chunkSize, DEFAULT_CHUNK_BYTES, millisClock);
    }

    /** @param chunkBytes item bytes read into one chunk at most (a single larger change still makes a chunk) */
    public ChangeApplier(ChangeLog log, ChangeWriter writer, int chunkSize, long chunkBytes, LongSupplier millisClock) {
        if (chunkSize < 1 || chunkBytes < 1) {
            throw new IllegalArgumentException("chunkSize and chunkBytes must be positive");
        }
        this.log = log;
        this.writer = writer;
        this.chunkSize = chunkSize;
        this.chunkBytes = chunkBytes;
        this.clock = millisClock;
    }

    /** Applies every change now in the log after the applied mark; returns how many were taken. */
    public long applyAvailable() {
        return applyAvailable(Long.MAX_VALUE);
    }

    /** Applies changes after the applied mark, stopping after the chunk that reaches {@code atMost}; returns how many were taken. */
    public long applyAvailable(long atMost) {
        long taken = 0;
        while (taken < atMost) {
            List<ChangeRecord> chunk = log.read(log.applied(), chunkSize, chunkBytes);
            if (chunk.isEmpty()) {
                return taken;
            }
            Map<String, ChangeRecord> last = new LinkedHashMap<>();
            long replaced = 0;
            for (ChangeRecord c : chunk) {
                if (last.put(CanonicalItem.of(c.key()), c) != null) {
                    replaced++;
                }
            }
            WriteOutcome outcome = writer.apply(new ArrayList<>(last.values()));
            log.markApplied(chunk.get(chunk.size() - 1).logSequence(),
                    new ChangeLog.AppliedCounts(outcome.written(), replaced, outcome.deadLettered()));
            long now = clock.getAsLong();
            for (ChangeRecord c : last.values()) {
                onApplied.accept(c, now);
                pipelineLags[lagCount % LAG_WINDOW] = Math.max(0, now - c.capturedAtMillis());
                lags[(lagCount++) % LAG_WINDOW] = Math.max(0, now - c.sourceTimeMillis());
            }
            taken += chunk.size();
            log.prune();
        }
        return taken;
    }

    /** Starts the lag window afresh (on reaching IN_SYNC, so that catch-up does not count as steady-state lag). */
    public void resetLag() {
        lagCount = 0;
    }

    public ApplyStats stats() {
        int n = Math.min(lagCount, LAG_WINDOW);
        long[] sorted = Arrays.copyOf(lags, n);
        Arrays.sort(sorted);
        long[] pipeline = Arrays.copyOf(pipelineLags, n);
        Arrays.sort(pipeline);
        // Counts come from the log, so they cover every run, not only this one.
        ChangeLog.AppliedCounts counts = log.appliedCounts();
        return new ApplyStats(counts.applied(), counts.superseded(), counts.deadLettered(), log.applied(), percentile(sorted, 50), percentile(sorted, 99),
                n == 0 ? 0 : sorted[n - 1], percentile(pipeline, 50), percentile(pipeline, 99), n == 0 ? 0 : pipeline[n - 1]);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
