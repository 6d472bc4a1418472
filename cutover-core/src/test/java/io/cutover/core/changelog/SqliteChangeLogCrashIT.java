package io.cutover.core.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process appending to the log is killed with SIGKILL at a random moment; on reopen, every
 * partition's position must be covered by changes that are in the log (never ahead of them), and the
 * log must be readable.
 */
class SqliteChangeLogCrashIT {
    @TempDir
    Path dir;

    /** The child: appends batches of 10 changes to 3 partitions until killed. */
    public static void main(String[] args) {
        try (SqliteChangeLog log = SqliteChangeLog.open(Path.of(args[0]))) {
            for (int batch = 0; ; batch++) {
                for (int p = 0; p < 3; p++) {
                    List<ChangeRecord> changes = new ArrayList<>();
                    for (int i = 1; i <= 10; i++) {
                        int seq = batch * 10 + i;
                        changes.add(ChangeLogContract.put("p" + p, seq, seq));
                    }
                    log.append(changes, new PartitionPosition("p" + p, Integer.toString(batch * 10 + 10), false));
                }
            }
        }
    }

    @Test
    void aKilledWriterNeverLeavesAPositionAheadOfItsChanges() throws Exception {
        Path db = dir.resolve("changes.db");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SqliteChangeLogCrashIT.class.getName(), db.toString());
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(db) || Files.size(db) + sizeOf(dir.resolve("changes.db-wal")) < 200_000) {
            assertTrue(child.isAlive(), Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "the child wrote too little within 60 s");
            Thread.sleep(10);
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));

        try (SqliteChangeLog log = SqliteChangeLog.open(db)) {
            Map<String, PartitionPosition> positions = log.positions();
            assertEquals(3, positions.size());
            List<ChangeRecord> all = log.read(0, Integer.MAX_VALUE);
            for (PartitionPosition p : positions.values()) {
                long last = Long.parseLong(p.lastPosition());
                long present = all.stream().filter(c -> c.partition().equals(p.partition())).count();
                assertEquals(last, present, p.partition() + ": the position must match exactly the changes kept");
            }
            assertTrue(all.size() >= 30);
            assertEquals(all.size(), log.size(), "the appended counter committed with the rows it counts");
            assertEquals(all.size(), log.retained());
            assertEquals(all.get(all.size() - 1).logSequence(), log.lastSequence());
        }
    }

    private static long sizeOf(Path p) throws java.io.IOException {
        return Files.exists(p) ? Files.size(p) : 0;
    }
}
