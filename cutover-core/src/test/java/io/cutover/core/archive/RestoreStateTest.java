package io.cutover.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.SnapshotUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The archive format, the restore plan and the state worked out from it, on files in a temporary folder. */
class RestoreStateTest {
    @TempDir
    Path dir;
    ArchiveManifest manifest;

    static Map<String, AttributeValue> key(String k) {
        return Map.of("pk", AttributeValue.fromS(k));
    }

    static Map<String, AttributeValue> item(String k, int v) {
        Map<String, AttributeValue> m = new HashMap<>(key(k));
        m.put("v", AttributeValue.fromN(Integer.toString(v)));
        m.put("bin", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(new byte[] {0, (byte) v})));
        return m;
    }

    static ChangeRecord seq(ChangeRecord c, long seq) {
        return new ChangeRecord(seq, c.partition(), c.sourcePosition(), c.key(), c.operation(), c.image(), c.sourceTimeMillis(),
                c.capturedAtMillis());
    }

    /** Base at log position 2 (scan 1,000-2,000 ms) holding a=1, b=1; then changes up to 5,000 ms. */
    @BeforeEach
    void archive() {
        manifest = ArchiveManifest.empty("t", List.of(new ArchiveManifest.KeyAttribute("pk", "HASH", "S")));
        try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("snap.jsonl.gz"), ArchiveEntry.Kind.SNAPSHOT)) {
            w.item(item("a", 1));
            w.item(item("b", 1));
            manifest = manifest.with(w.finish(2, 1000, 2000));
        }
        try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("c1.jsonl.gz"), ArchiveEntry.Kind.CHANGES)) {
            w.change(seq(ChangeRecord.put("s", "1", key("a"), item("a", 1), 0, 500), 1)); // before the base: already in it
            w.change(seq(ChangeRecord.put("s", "3", key("a"), item("a", 2), 0, 1500), 3)); // during the scan
            w.change(seq(ChangeRecord.delete("s", "4", key("b"), 0, 2500), 4));
            manifest = manifest.with(w.finish(0, 0, 3000));
        }
        try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("c2.jsonl.gz"), ArchiveEntry.Kind.CHANGES)) {
            w.change(seq(ChangeRecord.put("s", "5", key("b"), item("b", 3), 0, 3500), 5)); // re-inserted
            w.change(seq(ChangeRecord.put("s", "6", key("c"), item("c", 1), 0, 4000), 6));
            w.change(seq(ChangeRecord.delete("s", "7", key("a"), 0, 4500), 7));
            manifest = manifest.with(w.finish(0, 0, 5000));
        }
        manifest.save(dir);
    }

    private Map<String, Integer> stateAt(RestorePoint point, Path file) {
        try (RestoreState s = RestoreState.open(file, List.of("pk"))) {
            RestoreState.Summary summary = s.build("p", RestorePlan.of(ArchiveManifest.require(dir), point), new ArchiveFileReader(dir));
            Map<String, Integer> out = new HashMap<>();
            for (SnapshotUnit u : s.units(3)) {
                Page p = u.readPage(null);
                while (true) {
                    p.items().forEach(i -> out.put(i.get("pk").s(), Integer.parseInt(i.get("v").n())));
                    if (p.last()) {
                        break;
                    }
                    p = u.readPage(u.decode(p.next().encode()));
                }
            }
            assertEquals(out.size(), summary.items(), "the summary counts the live items");
            return out;
        }
    }

    @Test
    void replaysPerKeyInLogOrderUpToThePointAndDeletesStayDeleted() {
        assertEquals(Map.of("a", 2), stateAt(RestorePoint.at(Instant.ofEpochMilli(2600)), dir.resolve("s1.db")));
        assertEquals(Map.of("a", 2, "b", 3), stateAt(RestorePoint.at(Instant.ofEpochMilli(3500)), dir.resolve("s2.db")));
        assertEquals(Map.of("b", 3, "c", 1), stateAt(RestorePoint.at(Instant.ofEpochMilli(5000)), dir.resolve("s3.db")));
        assertEquals(Map.of("a", 2, "b", 3, "c", 1), stateAt(RestorePoint.atSequence(6), dir.resolve("s4.db")));
    }

    @Test
    void aPointBeforeTheBaseOrAfterTheLastSyncIsRefusedWithTheRestorableRange() {
        CutoverException early = assertThrows(CutoverException.class, () -> RestorePlan.of(manifest, RestorePoint.at(Instant.ofEpochMilli(1999))));
        assertEquals(ErrorCode.CONFIG_INVALID, early.code());
        assertTrue(early.getMessage().contains("oldest restorable point, " + Instant.ofEpochMilli(2000)), early.getMessage());
        CutoverException late = assertThrows(CutoverException.class, () -> RestorePlan.of(manifest, RestorePoint.at(Instant.ofEpochMilli(5001))));
        assertTrue(late.getMessage().contains("archive sync"), late.getMessage());
    }

    @Test
    void aChangedOrTruncatedFileIsRefusedByName() throws Exception {
        Path c1 = dir.resolve("c1.jsonl.gz");
        byte[] bytes = Files.readAllBytes(c1);
        bytes[bytes.length / 2] ^= 1;
        Files.write(c1, bytes);
        CutoverException changed = assertThrows(CutoverException.class,
                () -> stateAt(RestorePoint.at(Instant.ofEpochMilli(5000)), dir.resolve("x.db")));
        assertEquals(ErrorCode.ARCHIVE_CORRUPT, changed.code());
        assertTrue(changed.getMessage().contains(c1.toString()) && changed.getMessage().contains("SHA-256"), changed.getMessage());

        // Truncated, with a checksum that matches the truncated bytes: the gzip stream itself is found short.
        byte[] cut = java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve("c2.jsonl.gz")), 30);
        Files.write(dir.resolve("c2.jsonl.gz"), cut);
        List<ArchiveEntry> files = new ArrayList<>();
        for (ArchiveEntry e : manifest.files()) {
            files.add(e.name().equals("c2.jsonl.gz") ? new ArchiveEntry(e.name(), e.kind(), e.firstSequence(), e.lastSequence(),
                    e.firstTimeMillis(), e.lastTimeMillis(), e.readAtMillis(), e.count(), cut.length,
                    java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(cut))) : e);
        }
        ArchiveEntry c2 = files.get(2);
        CutoverException truncated = assertThrows(CutoverException.class, () -> new ArchiveFileReader(dir).changes(c2, c -> { }));
        assertEquals(ErrorCode.ARCHIVE_CORRUPT, truncated.code());
        assertTrue(truncated.getMessage().contains("c2.jsonl.gz") && truncated.getMessage().contains("truncated"), truncated.getMessage());
    }

    @Test
    void findsTheFirstChangeAfterTheBaseThatMatchesOnTheKeyOrTheImage() {
        ChangeFinder finder = new ChangeFinder(manifest, new ArchiveFileReader(dir));
        assertEquals(4L, finder.first(ChangeFinder.parse("--before-change", "pk=b")).orElseThrow(), "the delete of b, not the base");
        assertEquals(3L, finder.first(ChangeFinder.parse("--before-change", "pk=a")).orElseThrow(), "seq 1 is before the base");
        assertEquals(5L, finder.first(ChangeFinder.parse("--before-change", "v=3")).orElseThrow(), "matched on the image");
        assertTrue(finder.first(Map.of("pk", "zzz")).isEmpty());
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(CutoverException.class, () -> ChangeFinder.parse("--before-change", "pk")).code());
    }

    @Test
    void aFinishedStateIsReusedAndAnotherRestoresStateIsRefused() {
        Path file = dir.resolve("reuse.db");
        stateAt(RestorePoint.atSequence(6), file);
        try (RestoreState s = RestoreState.open(file, List.of("pk"))) {
            assertEquals(3, s.built("p").orElseThrow().items());
            assertNull(s.lookup(key("zzz")));
            assertEquals(3, Integer.parseInt(s.lookup(key("b")).get("v").n()));
            assertEquals(ErrorCode.STATE_CONFLICT, assertThrows(CutoverException.class, () -> s.built("other")).code());
            assertTrue(!s.creates("t2"), "nothing created yet");
            s.markCreating("t2");
        }
        try (RestoreState s = RestoreState.open(file, List.of("pk"))) {
            assertTrue(s.creates("t2") && !s.creates("t3"), "a rerun knows which table it was creating");
        }
    }
}
