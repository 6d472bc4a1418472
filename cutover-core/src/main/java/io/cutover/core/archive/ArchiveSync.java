package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.SqliteChangeLog;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Appends the change log's new changes to an archive as change segments (at most {@code maxPerSegment} changes a
 * file), each named in the manifest after it is complete. Reads the log read-only, so it runs beside a live
 * migration; what the migration appends while it runs goes into the next sync.
 */
public final class ArchiveSync {
    /** What a sync added. */
    public record Result(int segments, long changes, long bytes, long syncedSequence, long syncedAtMillis, ArchiveRetention.Result pruned,
                         ArchiveCompaction.Result compacted) {
    }

    private static final int PAGE = 1000;
    private static final long PAGE_BYTES = 16L << 20;

    private final Path logFile;
    private final ArchiveStore archive;
    private final int maxPerSegment;
    private final LongSupplier clock;
    private final ArchiveRetention retention;
    private final ArchiveCompaction compaction;

    public ArchiveSync(Path logFile, Path archive, int maxPerSegment, LongSupplier clock) {
        this(logFile, archive, maxPerSegment, clock, null, null);
    }

    /**
     * @param retention    after syncing, prune what no restore within it needs ({@code --archive-retention}); null keeps everything
     * @param compactAfter then merge adjacent segments synced longer ago than this ({@code --compact-after}); null merges none
     */
    public ArchiveSync(Path logFile, Path archive, int maxPerSegment, LongSupplier clock, java.time.Duration retention,
                       java.time.Duration compactAfter) {
        this(logFile, new FolderArchiveStore(archive), maxPerSegment, clock, retention, compactAfter);
    }

    /** The same, for an archive in any {@link ArchiveStore} (a folder or an S3 prefix). */
    public ArchiveSync(Path logFile, ArchiveStore archive, int maxPerSegment, LongSupplier clock, java.time.Duration retention,
                       java.time.Duration compactAfter) {
        if (maxPerSegment < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segment-changes must be at least 1, was " + maxPerSegment);
        }
        this.logFile = logFile;
        this.archive = archive;
        this.maxPerSegment = maxPerSegment;
        this.clock = clock;
        this.retention = retention == null ? null : new ArchiveRetention(archive, retention);
        this.compaction = compactAfter == null ? null : new ArchiveCompaction(archive, maxPerSegment, compactAfter);
    }

    /** Syncs, then prunes and merges when asked, holding the archive's lock throughout (a snapshot ending meanwhile waits). */
    public Result run() {
        ArchiveManifest.load(archive).orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID,
                "no archive at " + archive.location() + ": run cutover archive snapshot first, which starts one with a base snapshot"));
        try (ArchiveStore.Lock lock = archive.lock()) {
            return sync(ArchiveManifest.require(archive)); // read again under the lock: a snapshot may have just added itself
        }
    }

    private Result sync(ArchiveManifest manifest) {
        long readAt = clock.getAsLong();
        int segments = 0;
        long changes = 0;
        long bytes = 0;
        try (SqliteChangeLog log = SqliteChangeLog.openForReading(logFile)) {
            long upTo = log.lastSequence();
            long after = manifest.syncedSequence();
            refuseGap(log, after);
            while (after < upTo) {
                List<ChangeRecord> page = read(log, after, upTo, maxPerSegment);
                if (page.isEmpty()) {
                    break;
                }
                String name = String.format("changes-%020d.jsonl.gz", page.get(0).logSequence());
                try (ArchiveFileWriter w = new ArchiveFileWriter(archive, name, ArchiveEntry.Kind.CHANGES)) {
                    // Pages of at most 1,000 changes or 16 MiB of items: memory stays flat however large a segment is.
                    while (!page.isEmpty()) {
                        page.forEach(w::change);
                        after = page.get(page.size() - 1).logSequence();
                        page = w.count() >= maxPerSegment ? List.of() : read(log, after, upTo, maxPerSegment - w.count());
                    }
                    ArchiveEntry entry = w.finish(0, 0, readAt);
                    manifest = manifest.with(entry);
                    manifest.save(archive);
                    segments++;
                    changes += entry.count();
                    bytes += entry.bytes();
                }
            }
            manifest = manifest.syncedAt(readAt);
            manifest.save(archive);
            // retention first: what it drops need not be merged
            ArchiveRetention.Result pruned = retention == null ? null : retention.run(readAt);
            ArchiveCompaction.Result compacted = compaction == null ? null : compaction.run(readAt);
            return new Result(segments, changes, bytes, manifest.syncedSequence(), readAt, pruned, compacted);
        }
    }

    private static List<ChangeRecord> read(SqliteChangeLog log, long after, long upTo, long room) {
        int limit = (int) Math.min(PAGE, room);
        return log.read(after, limit, PAGE_BYTES).stream().filter(c -> c.logSequence() <= upTo).toList();
    }

    /**
     * Changes pruned from the log before they were archived leave a hole no restore can cross. Sequences may have
     * holes of their own (0051), so this is checked only once the log has pruned something.
     */
    private void refuseGap(SqliteChangeLog log, long after) {
        if (log.size() == log.retained() || after >= log.lastSequence()) {
            return;
        }
        List<ChangeRecord> next = log.read(after, 1);
        if (next.isEmpty() || next.get(0).logSequence() > after + 1) {
            throw new CutoverException(ErrorCode.STREAM_GAP, "the change log at " + logFile + " pruned changes after sequence " + after
                    + " before they were archived: run cutover archive snapshot for a new base, and sync more often than --log-retention");
        }
    }
}
