package io.cutover.core.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
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
