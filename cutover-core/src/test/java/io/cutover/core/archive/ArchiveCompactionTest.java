package io.cutover.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.SnapshotUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compaction merges old small segments into fewer files that restore to exactly the same state at every point, leaves
 * young segments alone, never exceeds the segment size, and never joins segments across a base's position.
 */
class ArchiveCompactionTest {
    @TempDir
    Path dir;

    /** A base at position 0 (read at 100 ms), ten segments of three changes each (synced at 1,000, 2,000, ... ms), a second base at 15. */
    @BeforeEach
    void archive() {
        ArchiveManifest m = ArchiveManifest.empty("t", List.of(new ArchiveManifest.KeyAttribute("pk", "HASH", "S")));
        try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("snapshot-00000000000000000000-50.jsonl.gz"), ArchiveEntry.Kind.SNAPSHOT)) {
            w.item(RestoreStateTest.item("a", 0));
            m = m.with(w.finish(0, 50, 100));
        }
        long seq = 0;
        for (int s = 1; s <= 10; s++) {
            try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve(String.format("changes-%020d.jsonl.gz", seq + 1)), ArchiveEntry.Kind.CHANGES)) {
                for (int i = 0; i < 3; i++) {
                    seq++;
                    String k = "k" + seq % 4;
                    long t = s * 1000L - 300 + i * 100;
                    w.change(seq % 5 == 0 ? RestoreStateTest.seq(ChangeRecord.delete("s", "p", RestoreStateTest.key(k), t - 7, t), seq)
                            : RestoreStateTest.seq(ChangeRecord.put("s", "p", RestoreStateTest.key(k), RestoreStateTest.item(k, (int) seq), t - 7, t), seq));
                }
                m = m.with(w.finish(0, 0, s * 1000L));
            }
            if (s == 5) {
                try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("snapshot-00000000000000000015-5100.jsonl.gz"), ArchiveEntry.Kind.SNAPSHOT)) {
                    m = m.with(w.finish(15, 5100, 5200)); // an empty base: whatever it holds, the runs must not cross position 15
                }
            }
        }
        m.save(dir);
    }

    private Map<String, Integer> stateAt(RestorePoint point, String file) {
        try (RestoreState s = RestoreState.open(dir.resolve(file), List.of("pk"))) {
            s.build("p", RestorePlan.of(ArchiveManifest.require(dir), point), new ArchiveFileReader(dir));
            Map<String, Integer> out = new TreeMap<>();
            for (SnapshotUnit u : s.units(2)) {
                for (Page p = u.readPage(null); ; p = u.readPage(p.next())) {
                    p.items().forEach(i -> out.put(i.get("pk").s(), Integer.parseInt(i.get("v").n())));
                    if (p.last()) {
                        break;
                    }
                }
            }
            return out;
        }
    }

    private List<RestorePoint> points() {
        List<RestorePoint> out = new ArrayList<>();
        for (long t = 150; t <= 10_000; t += 250) {
            out.add(new RestorePoint(t, null));
        }
        for (long q = 0; q <= 30; q += 4) {
            out.add(RestorePoint.atSequence(q));
        }
        return out;
    }

    @Test
    void mergedSegmentsRestoreTheSameStateAtEveryPoint() throws Exception {
        List<Map<String, Integer>> before = new ArrayList<>();
        int n = 0;
        for (RestorePoint p : points()) {
            before.add(stateAt(p, "before-" + n++ + ".db"));
        }

        ArchiveCompaction.Result r = new ArchiveCompaction(dir, 9, Duration.ofMillis(2_500)).run(10_000); // segments synced by 7,500 ms

        ArchiveManifest m = ArchiveManifest.require(dir);
        List<ArchiveEntry> changes = m.changes();
        assertTrue(changes.stream().allMatch(c -> c.count() <= 9), "no merged file holds more than --segment-changes");
        assertEquals(List.of(3L, 2L, 2L, 1L, 1L, 1L), changes.stream().map(c -> c.count() / 3).toList(),
                "segments 1-3 (full), 4-5 (the base at position 15 ends the run), 6-7; 8-10 are too young to merge");
        assertEquals(7, r.segmentsMerged());
        assertEquals(3, r.segmentsWritten());
        assertFalse(Files.exists(dir.resolve(String.format("changes-%020d.jsonl.gz", 1))), "a merged segment's file is deleted");
        assertEquals(30, changes.stream().mapToLong(ArchiveEntry::count).sum());
        assertEquals(30, m.syncedSequence());
        n = 0;
        for (RestorePoint p : points()) {
            assertEquals(before.get(n), stateAt(p, "after-" + n + ".db"), "the state at " + p);
            n++;
        }
        long[] last = {0};
        for (ArchiveEntry c : changes) {
            new ArchiveFileReader(dir).check(c);
            new ArchiveFileReader(dir).changes(c, x -> {
                assertEquals(last[0] + 1, x.sequence(), "every change once, in log order");
                assertEquals(x.timeMillis() - 7, x.sourceTimeMillis(), "both times kept");
                last[0] = x.sequence();
            });
        }
    }

    @Test
    void nothingYoungerThanTheAgeIsMerged() {
        ArchiveCompaction.Result r = new ArchiveCompaction(dir, 100, Duration.ofMillis(9_500)).run(10_000); // only segment 1 is old enough
        assertEquals(0, r.segmentsMerged());
        assertEquals(10, ArchiveManifest.require(dir).changes().size());
    }

    @Test
    void retentionStillDropsExactlyWhatPrecedesTheSecondBaseAfterCompaction() {
        new ArchiveCompaction(dir, 100, Duration.ZERO).run(10_000);
        assertEquals(2, ArchiveManifest.require(dir).changes().size(), "one run before the base at 15 and one after");
        ArchiveRetention.Result r = new ArchiveRetention(dir, Duration.ofMillis(4_000)).run(10_000); // horizon 6,000: base at 15
        assertEquals(2, r.filesDeleted(), "the first base and the merged segment of changes 1-15");
        assertEquals(16, ArchiveManifest.require(dir).changes().get(0).firstSequence());
    }
}
