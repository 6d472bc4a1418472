package io.cutover.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Sync copies each change of the log once, in bounded segments, and refuses a hole left by pruning. */
class ArchiveSyncTest {
    @TempDir
    Path dir;
    final AtomicLong clock = new AtomicLong(10_000);

    private static int append(SqliteChangeLog log, int from, int n) {
        List<ChangeRecord> batch = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("k" + (i % 7)));
            batch.add(i % 5 == 4 ? ChangeRecord.delete("shard", "p" + i, key, 0, 1000 + i)
                    : ChangeRecord.put("shard", "p" + i, key, Map.of("pk", key.get("pk"), "v", AttributeValue.fromN("" + i)), 0, 1000 + i));
        }
        return log.append(batch, new PartitionPosition("shard", "p" + (from + n - 1), false));
    }

    private void startArchive() {
        ArchiveManifest m = ArchiveManifest.empty("t", List.of(new ArchiveManifest.KeyAttribute("pk", "HASH", "S")));
        try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("a").resolve("snap.jsonl.gz"), ArchiveEntry.Kind.SNAPSHOT)) {
            m.with(w.finish(0, 0, 500)).save(dir.resolve("a"));
        }
    }

    @Test
    void eachChangeIsArchivedOnceInSegmentsOfBoundedSize() throws Exception {
        Path logFile = dir.resolve("changes.db");
        java.nio.file.Files.createDirectories(dir.resolve("a"));
        startArchive();
        try (SqliteChangeLog log = SqliteChangeLog.open(logFile)) {
            append(log, 0, 25);
        }
        ArchiveSync sync = new ArchiveSync(logFile, dir.resolve("a"), 10, clock::get);
        ArchiveSync.Result first = sync.run();
        assertEquals(3, first.segments());
        assertEquals(25, first.changes());
        try (SqliteChangeLog log = SqliteChangeLog.open(logFile)) {
            append(log, 25, 5);
        }
        clock.set(20_000);
        ArchiveSync.Result second = sync.run();
        assertEquals(5, second.changes(), "only the new changes");
        assertEquals(0, sync.run().changes(), "nothing new, nothing written");
        ArchiveManifest m = ArchiveManifest.require(dir.resolve("a"));
        assertEquals(30, m.changes().stream().mapToLong(ArchiveEntry::count).sum());
        assertEquals(30, m.syncedSequence());
        assertEquals(20_000, m.syncedAtMillis());
        long[] seen = {0};
        m.changes().forEach(e -> new ArchiveFileReader(dir.resolve("a")).changes(e, c -> assertEquals(++seen[0], c.sequence())));
        assertEquals(30, seen[0]);
        assertTrue(m.changes().stream().allMatch(e -> e.count() <= 10), "no segment holds more than --segment-changes");
    }

    @Test
    void changesPrunedBeforeTheyWereArchivedAreAGap() throws Exception {
        Path logFile = dir.resolve("changes.db");
        java.nio.file.Files.createDirectories(dir.resolve("a"));
        startArchive();
        AtomicLong now = new AtomicLong(1_000);
        try (SqliteChangeLog log = SqliteChangeLog.open(logFile, Duration.ofMillis(10), now::get)) {
            append(log, 0, 20);
            log.markApplied(10);
            now.addAndGet(1_000);
            assertTrue(log.prune() > 0, "the test's log pruned something");
        }
        CutoverException e = assertThrows(CutoverException.class, () -> new ArchiveSync(logFile, dir.resolve("a"), 100, clock::get).run());
        assertEquals(ErrorCode.STREAM_GAP, e.code());
        assertTrue(e.getMessage().contains("archive snapshot"), e.getMessage());
    }
}
