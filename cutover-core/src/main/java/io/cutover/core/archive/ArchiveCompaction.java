package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Merges old small change segments ({@code archive sync --compact-after 1d}): a sync every few minutes leaves a segment
 * of a few changes each time, and a restore then opens, checks and reads thousands of tiny files. Adjacent segments
 * (in log order) whose sync is older than the given age are merged, in order, while the merged file holds at most
 * {@code --segment-changes} changes; a run never joins a segment retention could drop for a base to one it must keep
 * for it, so retention still drops exactly what precedes a base. Segments younger than the age are left alone, so a
 * growing tail is not rewritten at every sync.
 *
 * <p>{@link ArchiveSync} runs it holding the archive's lock ({@link ArchiveLock}). Each merged file is checked
 * (SHA-256, count) before it is read, written under {@code .partial}, synced and renamed; then the manifest is
 * replaced (write-then-rename) naming it instead of the run; then the run's files are deleted. A crash leaves either
 * the old manifest and an unnamed merged file (written again next time), or the new one and unnamed old files, which
 * retention deletes once they precede its base. Every change keeps its sequence and both times, so a restore gives
 * the same state from the merged files as from the originals.
 */
public final class ArchiveCompaction {
    /** What a compaction did. */
    public record Result(int segmentsMerged, int segmentsWritten, long bytesBefore, long bytesAfter) {
    }

    private final ArchiveStore archive;
    private final int maxPerSegment;
    private final Duration age;

    public ArchiveCompaction(Path archive, int maxPerSegment, Duration age) {
        this(new FolderArchiveStore(archive), maxPerSegment, age);
    }

    public ArchiveCompaction(ArchiveStore archive, int maxPerSegment, Duration age) {
        if (age == null || age.isNegative()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--compact-after must be a duration such as 1d or 6h, was " + age);
        }
        if (maxPerSegment < 2) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segment-changes must be at least 2 to merge segments, was " + maxPerSegment);
        }
        this.archive = archive;
        this.maxPerSegment = maxPerSegment;
        this.age = age;
    }

    /** The runs to merge: adjacent old segments, at most {@code maxPerSegment} changes each, none across a snapshot's position. */
    static List<List<ArchiveEntry>> runs(ArchiveManifest manifest, long cutoffMillis, int maxPerSegment) {
        List<Long> bases = manifest.snapshots().stream().map(ArchiveEntry::firstSequence).toList();
        List<List<ArchiveEntry>> runs = new ArrayList<>();
        List<ArchiveEntry> run = new ArrayList<>();
        long count = 0;
        for (ArchiveEntry s : manifest.changes()) {
            boolean old = s.readAtMillis() <= cutoffMillis;
            ArchiveEntry prev = run.isEmpty() ? null : run.get(run.size() - 1);
            boolean joins = old && prev != null && count + s.count() <= maxPerSegment
                    && bases.stream().noneMatch(b -> b >= prev.lastSequence() && b < s.lastSequence());
            if (!joins) {
                if (run.size() > 1) {
                    runs.add(run);
                }
                run = new ArrayList<>();
                count = 0;
            }
            if (old) {
                run.add(s);
                count += s.count();
            }
        }
        if (run.size() > 1) {
            runs.add(run);
        }
        return runs;
    }

    public Result run(long nowMillis) {
        ArchiveManifest manifest = ArchiveManifest.require(archive);
        ArchiveFileReader reader = new ArchiveFileReader(archive);
        int merged = 0;
        int written = 0;
        long before = 0;
        long after = 0;
        for (List<ArchiveEntry> run : runs(manifest, nowMillis - age.toMillis(), maxPerSegment)) {
            ArchiveEntry first = run.get(0);
            ArchiveEntry last = run.get(run.size() - 1);
            String name = String.format("changes-%020d-%020d.jsonl.gz", first.firstSequence(), last.lastSequence());
            ArchiveEntry entry;
            try (ArchiveFileWriter w = new ArchiveFileWriter(archive, name, ArchiveEntry.Kind.CHANGES)) {
                for (ArchiveEntry s : run) {
                    reader.check(s);
                    reader.changes(s, c -> w.change(new ChangeRecord(c.sequence(), "archive", "", c.key(),
                            c.image() == null ? ChangeRecord.Operation.DELETE : ChangeRecord.Operation.PUT, c.image(), c.sourceTimeMillis(),
                            c.timeMillis())));
                }
                entry = w.finish(0, 0, last.readAtMillis());
            }
            Set<String> replaced = new HashSet<>(run.stream().map(ArchiveEntry::name).toList());
            List<ArchiveEntry> files = new ArrayList<>(manifest.files().stream().filter(f -> !replaced.contains(f.name())).toList());
            files.add(entry);
            manifest = new ArchiveManifest(manifest.format(), manifest.version(), manifest.sourceTable(), manifest.keySchema(), files,
                    manifest.syncedAtMillis());
            manifest.save(archive); // write-then-rename: from here on the merged file stands for the run
            for (ArchiveEntry s : run) {
                before += s.bytes();
                archive.delete(s.name());
            }
            after += entry.bytes();
            merged += run.size();
            written++;
        }
        return new Result(merged, written, before, after);
    }
}
