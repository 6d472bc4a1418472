package io.cutover.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A snapshot of any source records the log's position before it asks the source for anything, reads every unit's
 * pages, and refuses a mapping whose key differs from the changes' in the log or the archive's.
 */
class ArchiveSnapshotTest {
    @TempDir
    Path dir;
    Path logFile;
    final AtomicLong clock = new AtomicLong(1_000);

    @BeforeEach
    void log() {
        logFile = dir.resolve("changes.db");
        append("a");
    }

    private void append(String k) {
        try (SqliteChangeLog log = SqliteChangeLog.open(logFile)) {
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS(k));
            log.append(List.of(ChangeRecord.put("p", k, key, key, 0, clock.get())), new PartitionPosition("p", k, false));
        }
    }

    /** Two pages of items p0, p1, ... per unit. */
    private SnapshotUnit unit(String id, int items) {
        return new SnapshotUnit() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Page readPage(Position after) {
                int from = after == null ? 0 : items / 2;
                List<Map<String, AttributeValue>> page = new ArrayList<>();
                for (int i = from; i < (after == null ? items / 2 : items); i++) {
                    page.add(Map.of("pk", AttributeValue.fromS(id + "-" + i)));
                }
                return new Page(page, after == null ? () -> "half" : null);
            }

            @Override
            public Position decode(String encoded) {
                return () -> encoded;
            }
        };
    }

    private ArchiveSnapshot.Source source(String keyName) {
        return new ArchiveSnapshot.Source() {
            @Override
            public String name() {
                return "orders";
            }

            @Override
            public List<ArchiveManifest.KeyAttribute> keySchema() {
                append("written-after-the-position-was-recorded");
                return List.of(new ArchiveManifest.KeyAttribute(keyName, "HASH", "S"));
            }

            @Override
            public List<SnapshotUnit> units() {
                return List.of(unit("u1", 10), unit("u2", 6), unit("u3", 0));
            }
        };
    }

    @Test
    void recordsThePositionFirstAndReadsEveryPageOfEveryUnit() {
        ArchiveEntry e = new ArchiveSnapshot(logFile, dir.resolve("archive"), 2, clock::get).run(source("pk"));

        assertEquals(1, e.firstSequence(), "the position before the source was asked for anything");
        assertEquals(16, e.count());
        TreeSet<String> keys = new TreeSet<>();
        ArchiveManifest m = ArchiveManifest.require(dir.resolve("archive"));
        new ArchiveFileReader(dir.resolve("archive")).check(m.snapshots().get(0));
        new ArchiveFileReader(dir.resolve("archive")).items(m.snapshots().get(0), i -> keys.add(i.get("pk").s()));
        assertEquals(16, keys.size());
        assertTrue(keys.contains("u1-9") && keys.contains("u2-0"), keys.toString());
        assertEquals("orders", m.sourceTable());
    }

    @Test
    void aMappingKeyedOtherwiseThanTheLogIsRefusedBeforeAnythingIsRead() {
        CutoverException e = assertThrows(CutoverException.class,
                () -> new ArchiveSnapshot(logFile, dir.resolve("archive"), 2, clock::get).run(source("dataId")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("[pk]") && e.getMessage().contains("[dataId]"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("archive").resolve(ArchiveManifest.FILE)));
    }

    @Test
    void aMissingChangeLogIsRefusedNamingTheStateDirectory() {
        CutoverException e = assertThrows(CutoverException.class,
                () -> new ArchiveSnapshot(dir.resolve("nowhere/changes.db"), dir.resolve("archive"), 2, clock::get).run(source("pk")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
    }

    @Test
    void aSnapshotEndingWhileASyncHoldsTheArchiveWaitsAndKeepsTheSyncsEntries() throws Exception {
        Path archive = dir.resolve("archive");
        new ArchiveSnapshot(logFile, archive, 2, clock::get).run(source("pk"));
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<ArchiveEntry> second;
            try (ArchiveLock held = ArchiveLock.acquire(archive)) { // what a running sync holds
                clock.set(2_000);
                second = other.submit(() -> new ArchiveSnapshot(logFile, archive, 2, clock::get).run(source("pk")));
                Thread.sleep(300);
                assertFalse(second.isDone(), "the snapshot waits for the lock to add itself");
                try (ArchiveFileWriter w = new ArchiveFileWriter(archive.resolve("changes-00000000000000000001.jsonl.gz"), ArchiveEntry.Kind.CHANGES)) {
                    ArchiveManifest.require(archive).with(w.finish(0, 0, 1_500)).save(archive); // the sync adds a segment meanwhile
                }
            }
            second.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            other.shutdownNow();
        }
        ArchiveManifest m = ArchiveManifest.require(archive);
        assertEquals(2, m.snapshots().size(), "both snapshots");
        assertEquals(1, m.changes().size(), "and the segment the sync added while the second was read");
    }
}
