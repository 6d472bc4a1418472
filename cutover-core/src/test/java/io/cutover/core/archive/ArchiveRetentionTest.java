package io.cutover.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention keeps every time from the horizon on restorable and nothing older: the newest snapshot at or before the
 * horizon, every later one, and every segment with a change after that snapshot's position; the manifest is replaced
 * before the files go, and a restore before the new oldest time is refused naming it.
 */
class ArchiveRetentionTest {
    @TempDir
    Path dir;

    /** Three bases (A at 1,000 ms, B at 3,000, C at 5,000), each followed by a segment of ten changes. */
    @BeforeEach
    void archive() throws Exception {
        ArchiveManifest m = ArchiveManifest.empty("t", List.of(new ArchiveManifest.KeyAttribute("pk", "HASH", "S")));
        m = m.with(file("snapshot-00000000000000000000-900.jsonl.gz", ArchiveEntry.Kind.SNAPSHOT, 0, 0, 900, 1_000));
        m = m.with(file("changes-00000000000000000001.jsonl.gz", ArchiveEntry.Kind.CHANGES, 1, 10, 1_100, 2_000));
        m = m.with(file("snapshot-00000000000000000010-2900.jsonl.gz", ArchiveEntry.Kind.SNAPSHOT, 10, 10, 2_900, 3_000));
        m = m.with(file("changes-00000000000000000011.jsonl.gz", ArchiveEntry.Kind.CHANGES, 11, 20, 3_100, 4_000));
        m = m.with(file("snapshot-00000000000000000020-4900.jsonl.gz", ArchiveEntry.Kind.SNAPSHOT, 20, 20, 4_900, 5_000));
        m = m.with(file("changes-00000000000000000021.jsonl.gz", ArchiveEntry.Kind.CHANGES, 21, 30, 5_100, 6_000));
        m.syncedAt(6_000).save(dir);
    }

    private ArchiveEntry file(String name, ArchiveEntry.Kind kind, long first, long last, long firstTime, long lastTime) throws Exception {
        Files.write(dir.resolve(name), new byte[100]);
        return new ArchiveEntry(name, kind, first, last, firstTime, lastTime, kind == ArchiveEntry.Kind.SNAPSHOT ? lastTime : lastTime + 10,
                10, 100, "00");
    }

    private List<String> names() {
        return ArchiveManifest.require(dir).files().stream().map(ArchiveEntry::name).toList();
    }

    @Test
    void keepsTheNewestBaseAtOrBeforeTheHorizonAndEverythingAfterIt() throws Exception {
        ArchiveRetention.Result r = new ArchiveRetention(dir, Duration.ofMillis(2_500)).run(6_000); // horizon 3,500: base B

        assertEquals(List.of("snapshot-00000000000000000010-2900.jsonl.gz", "changes-00000000000000000011.jsonl.gz",
                "snapshot-00000000000000000020-4900.jsonl.gz", "changes-00000000000000000021.jsonl.gz"), names());
        assertEquals(2, r.filesDeleted());
        assertEquals(200, r.bytesDeleted());
        assertEquals(3_000, r.oldestRestorableMillis());
        assertFalse(Files.exists(dir.resolve("snapshot-00000000000000000000-900.jsonl.gz")));
        assertFalse(Files.exists(dir.resolve("changes-00000000000000000001.jsonl.gz")));
        assertTrue(Files.exists(dir.resolve("changes-00000000000000000011.jsonl.gz")));

        ArchiveManifest m = ArchiveManifest.require(dir);
        assertEquals(6_010, m.syncedAtMillis(), "pruning does not move the newest restorable time");
        assertEquals(30, m.syncedSequence(), "the next sync goes on after the last archived change");
        RestorePlan atHorizon = RestorePlan.of(m, new RestorePoint(3_500L, null));
        assertEquals("snapshot-00000000000000000010-2900.jsonl.gz", atHorizon.base().name());
        assertEquals(1, atHorizon.segments().size());
        CutoverException early = assertThrows(CutoverException.class, () -> RestorePlan.of(m, new RestorePoint(2_500L, null)));
        assertEquals(ErrorCode.CONFIG_INVALID, early.code());
        assertTrue(early.getMessage().contains(Instant.ofEpochMilli(3_000).toString()), "names the oldest restorable time: " + early.getMessage());
        assertThrows(CutoverException.class, () -> RestorePlan.of(m, RestorePoint.atSequence(5)), "a position before the oldest base too");
    }

    @Test
    void aSegmentThatStraddlesTheBaseIsKept() throws Exception {
        ArchiveManifest m = ArchiveManifest.require(dir);
        ArchiveEntry straddling = new ArchiveEntry("changes-00000000000000000008.jsonl.gz", ArchiveEntry.Kind.CHANGES, 8, 12, 2_500, 3_050,
                3_060, 5, 100, "00");
        ArchiveManifest pruned = ArchiveRetention.retained(m.with(straddling), ArchiveRetention.horizonBase(m, 3_500).orElseThrow());
        assertTrue(pruned.files().contains(straddling), "it holds changes 11 and 12, after base B's position 10");
    }

    @Test
    void nothingIsPrunedWhileTheOldestSnapshotIsInsideTheRetention() {
        ArchiveRetention.Result r = new ArchiveRetention(dir, Duration.ofMillis(5_500)).run(6_000); // horizon 500: before A
        assertEquals(0, r.filesDeleted());
        assertEquals(6, names().size());
        assertEquals(1_000, r.oldestRestorableMillis());
    }

    @Test
    void filesLeftByACrashBetweenTheManifestAndTheDeleteGoNextTimeButNotASnapshotBeingTaken() throws Exception {
        Files.write(dir.resolve("changes-00000000000000000002.jsonl.gz"), new byte[7]); // named by no manifest, before base B
        Files.write(dir.resolve("snapshot-00000000000000000030-7000.jsonl.gz.partial"), new byte[7]); // a snapshot being written now
        ArchiveRetention.Result r = new ArchiveRetention(dir, Duration.ofMillis(2_500)).run(6_000);
        assertEquals(3, r.filesDeleted());
        assertFalse(Files.exists(dir.resolve("changes-00000000000000000002.jsonl.gz")));
        assertTrue(Files.exists(dir.resolve("snapshot-00000000000000000030-7000.jsonl.gz.partial")));
    }

    @Test
    void aRetentionOfZeroIsRefusedNamingTheFlag() {
        CutoverException e = assertThrows(CutoverException.class, () -> new ArchiveRetention(dir, Duration.ZERO));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("--archive-retention"), e.getMessage());
    }
}
