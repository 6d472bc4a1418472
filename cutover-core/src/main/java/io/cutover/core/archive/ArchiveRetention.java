package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes an archive to a retention ({@code archive sync --archive-retention 7d}): every time from the horizon (now minus
 * the retention) on stays restorable, nothing older is kept. The base of a restore to the horizon is the newest
 * snapshot whose read ended at or before it; that snapshot, every later one, and every change segment holding a change
 * after its log position are kept; older snapshots, and segments whose changes all precede it, go. With no snapshot at
 * or before the horizon nothing is pruned (the oldest snapshot is still inside the retention).
 *
 * <p>{@link ArchiveSync} runs it holding the archive's lock ({@link ArchiveLock}). Order (decision 0110): the new
 * manifest is written first (atomically, write-then-rename), then the files it no longer names are deleted. A crash
 * in between leaves files nothing names, which the next run deletes (only those whose name sorts before the kept
 * base's log position, so never a file a concurrent snapshot is still writing).
 */
public final class ArchiveRetention {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveRetention.class);
    private static final Pattern FILE = Pattern.compile("(snapshot|changes)-(\\d{20})[-.].*");

    /** What a prune removed, and the archive's restorable range after it. */
    public record Result(int filesDeleted, long bytesDeleted, long oldestRestorableMillis, long horizonMillis) {
    }

    private final ArchiveStore archive;
    private final Duration retention;

    public ArchiveRetention(Path archive, Duration retention) {
        this(new FolderArchiveStore(archive), retention);
    }

    public ArchiveRetention(ArchiveStore archive, Duration retention) {
        if (retention == null || retention.isZero() || retention.isNegative()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive-retention must be a positive duration such as 7d or 36h, was "
                    + retention + "; leave it out to keep every snapshot and segment");
        }
        this.archive = archive;
        this.retention = retention;
    }

    /** The base that a restore to {@code horizonMillis} would use, if the archive has one. */
    static Optional<ArchiveEntry> horizonBase(ArchiveManifest manifest, long horizonMillis) {
        return manifest.snapshots().stream().filter(s -> s.readAtMillis() <= horizonMillis)
                .max(Comparator.comparingLong(ArchiveEntry::readAtMillis).thenComparingLong(ArchiveEntry::firstSequence));
    }

    /** The manifest without what a retention horizon no longer needs (the same manifest when nothing goes). */
    static ArchiveManifest retained(ArchiveManifest manifest, ArchiveEntry base) {
        List<ArchiveEntry> keep = manifest.files().stream().filter(f -> f.kind() == ArchiveEntry.Kind.SNAPSHOT
                        ? f.readAtMillis() >= base.readAtMillis() : f.lastSequence() > base.firstSequence())
                .toList();
        return new ArchiveManifest(manifest.format(), manifest.version(), manifest.sourceTable(), manifest.keySchema(), keep,
                manifest.syncedAtMillis());
    }

    public Result run(long nowMillis) {
        ArchiveManifest manifest = ArchiveManifest.require(archive);
        long horizon = nowMillis - retention.toMillis();
        Optional<ArchiveEntry> base = horizonBase(manifest, horizon);
        if (base.isEmpty()) {
            return new Result(0, 0, manifest.oldestRestorableMillis().orElse(0L), horizon);
        }
        ArchiveManifest kept = retained(manifest, base.get());
        Set<String> named = kept.files().stream().map(ArchiveEntry::name).collect(Collectors.toSet());
        List<ArchiveEntry> dropped = manifest.files().stream().filter(f -> !named.contains(f.name())).toList();
        if (!dropped.isEmpty()) {
            kept.save(archive); // write-then-rename: from here on nothing names the dropped files
        }
        int files = 0;
        long bytes = 0;
        for (ArchiveEntry f : dropped) {
            long size = archive.delete(f.name());
            if (size >= 0) {
                files++;
                bytes += size;
            }
        }
        for (String orphan : orphans(named, base.get().firstSequence())) {
            long size = archive.delete(orphan);
            if (size >= 0) {
                LOG.info("deleted {}, which no manifest names (left by a run that stopped between the manifest and the delete)",
                        archive.describe(orphan));
                files++;
                bytes += size;
            }
        }
        return new Result(files, bytes, kept.oldestRestorableMillis().orElse(0L), horizon);
    }

    /** Archive files the manifest does not name whose log position is before the kept base's. */
    private List<String> orphans(Set<String> named, long baseSequence) {
        List<String> out = new ArrayList<>();
        for (String name : archive.list()) {
            Matcher m = FILE.matcher(name);
            long sequence = m.matches() ? Long.parseLong(m.group(2)) : Long.MAX_VALUE;
            // a segment's name holds its first change; a snapshot's, the position recorded before its read (a snapshot
            // being taken now has one at least the base's, so it is never touched)
            if (!named.contains(name) && (m.matches() && m.group(1).equals("changes") ? sequence <= baseSequence : sequence < baseSequence)) {
                out.add(name);
            }
        }
        return out;
    }
}
