package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * Which files a restore to a point reads: the newest base snapshot that the point is not before, and every change
 * segment that may hold a change after the base and up to the point. A point the archive cannot reach is refused
 * with the range it can.
 */
public record RestorePlan(RestorePoint point, ArchiveEntry base, List<ArchiveEntry> segments) {
    public RestorePlan {
        segments = List.copyOf(segments);
    }

    public static RestorePlan of(ArchiveManifest manifest, RestorePoint point) {
        String range = range(manifest);
        if (manifest.snapshots().isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the archive holds no base snapshot: run cutover archive snapshot first");
        }
        ArchiveEntry base = manifest.snapshots().stream().filter(point::canStartFrom)
                .max(Comparator.comparingLong(ArchiveEntry::readAtMillis)).orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID,
                        "cannot restore to " + point + ": it is before the oldest restorable point, " + oldest(manifest)
                                + " (restorable " + range + "; the archive keeps nothing older: older snapshots and changes were never"
                                + " archived or were pruned by archive sync --archive-retention); pick a later point"));
        if (point.timeMillis() != null && point.timeMillis() > manifest.syncedAtMillis()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot restore to " + point + ": the archive was last synced at "
                    + Instant.ofEpochMilli(manifest.syncedAtMillis()) + " (restorable " + range + "); run cutover archive sync first");
        }
        if (point.sequence() != null && point.sequence() > manifest.syncedSequence()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot restore to " + point + ": the archive holds changes up to log position "
                    + manifest.syncedSequence() + "; run cutover archive sync first");
        }
        List<ArchiveEntry> segments = manifest.changes().stream()
                .filter(s -> s.lastSequence() > base.firstSequence())
                .filter(s -> point.timeMillis() != null ? s.firstTimeMillis() <= point.timeMillis() : s.firstSequence() <= point.sequence())
                .toList();
        return new RestorePlan(point, base, segments);
    }

    /** "T (log position N)": the oldest base's end and position, for messages. */
    static String oldest(ArchiveManifest m) {
        return m.snapshots().stream().min(Comparator.comparingLong(ArchiveEntry::readAtMillis))
                .map(s -> Instant.ofEpochMilli(s.readAtMillis()) + " (log position " + s.firstSequence() + ")").orElse("none");
    }

    /** "from T1 to T2", for messages. */
    static String range(ArchiveManifest m) {
        return m.oldestRestorableMillis().map(o -> "from " + Instant.ofEpochMilli(o) + " to " + Instant.ofEpochMilli(m.syncedAtMillis()))
                .orElse("none");
    }
}
