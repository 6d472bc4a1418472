package io.cutover.core.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteChangeLogTest extends ChangeLogContract {
    @TempDir
    Path dir;
    private SqliteChangeLog open;

    @Override
    ChangeLog log() {
        open = SqliteChangeLog.open(dir.resolve("changes.db"));
        return open;
    }

    @Override
    ChangeLog log(Duration retention, LongSupplier clock) {
        open = SqliteChangeLog.open(dir.resolve("pruned.db"), retention, clock);
        return open;
    }

    /** What the file really holds, counted the slow way the counters replace. */
    static long rows(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM changes")) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void countersEqualTheRowsAcrossPruningAndReopen() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        Path db = dir.resolve("counted.db");
        long twentieth;
        long last;
        try (SqliteChangeLog log = SqliteChangeLog.open(db, Duration.ofMillis(100), now::get)) {
            for (int i = 1; i <= 30; i++) {
                log.append(List.of(put("s", i, i), put("s", i, i)), new PartitionPosition("s", Integer.toString(i), false, now.get()));
            }
            List<ChangeRecord> all = log.read(0, 100);
            twentieth = all.get(19).logSequence();
            last = all.get(29).logSequence();
            assertEquals(last, log.lastSequence());
            log.markApplied(twentieth, new ChangeLog.AppliedCounts(20, 0, 0));
            now.addAndGet(101);
            assertEquals(20, log.prune());
            assertEquals(30, log.size());
            assertEquals(10, log.retained());
            assertEquals(rows(db), log.retained());
        }
        try (SqliteChangeLog log = SqliteChangeLog.open(db, Duration.ofMillis(100), now::get)) {
            assertEquals(30, log.size(), "appended survives a reopen, pruned changes included");
            assertEquals(10, log.retained());
            assertEquals(rows(db), log.retained());
            assertEquals(last, log.lastSequence(), "the last sequence survives pruning");
            assertEquals(twentieth, log.applied());
            assertEquals(new PartitionPosition("s", "30", false, 1_000), log.positions().get("s"), "the read time is kept");
            log.append(List.of(put("s", 31, 31)), new PartitionPosition("s", "31", false));
            assertTrue(log.read(last, 10).get(0).logSequence() > last, "sequences go on after the pruned ones");
        }
    }

    @Test
    void aLogWrittenBeforeTheCountersIsCountedOnOpen() throws Exception {
        Path db = dir.resolve("old.db");
        try (SqliteChangeLog log = SqliteChangeLog.open(db)) {
            log.append(List.of(put("s", 1, 1), put("s", 2, 2), put("s", 3, 3)), new PartitionPosition("s", "3", false));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("DROP TABLE counters");
            s.execute("ALTER TABLE partitions DROP COLUMN read_ms");
        }
        try (SqliteChangeLog log = SqliteChangeLog.open(db)) {
            assertEquals(3, log.size());
            assertEquals(3, log.lastSequence());
            assertEquals(3, log.retained());
            assertEquals(new PartitionPosition("s", "3", false), log.positions().get("s"));
        }
    }

    @AfterEach
    void close() {
        if (open != null) {
            open.close();
        }
    }

    @Test
    void everythingSurvivesAReopen() {
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("reopen.db"))) {
            log.append(List.of(put("s", 1, 1), put("s", 2, 2)), new PartitionPosition("s", "2", true));
            log.markApplied(1, new ChangeLog.AppliedCounts(1, 0, 0));
        }
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("reopen.db"))) {
            assertEquals(2, log.size());
            assertEquals(1, log.applied());
            assertEquals(new ChangeLog.AppliedCounts(1, 0, 0), log.appliedCounts(), "counts survive a reopen");
            assertEquals(new PartitionPosition("s", "2", true), log.positions().get("s"));
            assertEquals("2", log.read(1, 10).get(0).sourcePosition());
        }
    }
}
