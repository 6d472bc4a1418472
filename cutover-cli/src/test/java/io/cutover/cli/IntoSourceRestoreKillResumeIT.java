package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore --into-source} into PostgreSQL killed with SIGKILL (a child JVM) while writing: the same command resumes
 * from its checkpoints and the table ends equal to the archived one, row for row and column for column. Then the figures:
 * an uninterrupted restore of the same archive into a third table, and a raw JDBC batch insert of the same rows.
 */
class IntoSourceRestoreKillResumeIT {
    static final int ROWS = 12_000;
    static final String MAPPING = "mapping:\n  partitionKey: { attribute: pk, template: \"ACC#${id}\" }\n";

    @TempDir
    Path tmp;

    @Test
    @Timeout(300)
    void aRestoreIntoPostgresKilledWhileWritingResumesAndEndsIdentical() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            String uri = pg.createDatabase("kill_db");
            String columns = "(id int PRIMARY KEY, v int NOT NULL, note text, at timestamptz, amount numeric(12,2), doc jsonb, bin bytea)";
            pg.execute("kill_db", "CREATE TABLE src " + columns,
                    "INSERT INTO src SELECT g, g * 7, repeat('n', 200) || g, timestamptz '2026-12-01 10:00:00+00' + g * interval '1 ms',"
                            + " g + 0.25, jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g)), decode(md5(g::text), 'hex')"
                            + " FROM generate_series(1, " + ROWS + ") g",
                    "CREATE TABLE dst (LIKE src INCLUDING ALL)", "CREATE TABLE dst2 (LIKE src INCLUDING ALL)",
                    "CREATE TABLE raw (LIKE src INCLUDING ALL)");
            Path mapping = tmp.resolve("mapping.yaml");
            Files.writeString(mapping, MAPPING);
            Path state = tmp.resolve("migrate");
            SqliteChangeLog.open(state.resolve("changes.db")).close(); // a log with no changes: the snapshot alone is the state
            Path archive = tmp.resolve("archive");
            CliRun snap = CliRun.of("archive", "snapshot", "--source", uri, "--source-table", "src", "--mapping", mapping.toString(),
                    "--state-dir", state.toString(), "--archive", archive.toString(), "--no-progress");
            assertEquals(0, snap.exitCode(), snap.all());

            Path restoreState = tmp.resolve("restore");
            List<String> args = List.of("restore", "--archive", archive.toString(), "--to-position", "0", "--into-source", uri,
                    "--mapping", mapping.toString(), "--target-table", "dst", "--state-dir", restoreState.toString(), "--parallelism", "2",
                    "--write-concurrency", "2", "--no-progress");
            Process child = CliRun.child(args, tmp.resolve("child.log"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (checkpoints(restoreState) < 2 && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(child.isAlive(), "the restore was still writing when killed: " + Files.readString(tmp.resolve("child.log")));
            child.destroyForcibly().waitFor(); // SIGKILL
            long before = count(pg, "dst");
            assertTrue(before > 0 && before < ROWS, "killed part way, not before the start or after the end: " + before);

            List<String> resume = new ArrayList<>(args);
            resume.add("--verify");
            CliRun again = CliRun.of(resume.toArray(String[]::new));
            assertEquals(0, again.exitCode(), again.all());
            assertTrue(again.out().contains("IDENTICAL"), again.all());
            System.out.println("killed after " + before + " rows; resumed:\n" + again.out());
            assertEquals(0, differing(pg, "src", "dst"), "dst equals src row for row, column for column");

            // Figures (not asserted): an uninterrupted restore, and a raw JDBC batch insert of the same rows.
            CliRun whole = CliRun.of("restore", "--archive", archive.toString(), "--to-position", "0", "--into-source", uri, "--mapping",
                    mapping.toString(), "--target-table", "dst2", "--state-dir", tmp.resolve("restore-2").toString(), "--no-progress");
            assertEquals(0, whole.exitCode(), whole.all());
            assertEquals(0, differing(pg, "src", "dst2"));
            long started = System.nanoTime();
            try (Connection c = pg.connect("kill_db")) {
                c.setAutoCommit(false);
                try (var read = c.createStatement(); ResultSet rs = read.executeQuery("SELECT * FROM src");
                     var insert = c.prepareStatement("INSERT INTO raw VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), ?)")) {
                    int n = 0;
                    while (rs.next()) {
                        for (int i = 1; i <= 7; i++) {
                            insert.setObject(i, i == 6 ? rs.getString(i) : rs.getObject(i));
                        }
                        insert.addBatch();
                        if (++n % 1000 == 0) {
                            insert.executeBatch();
                            c.commit();
                        }
                    }
                    insert.executeBatch();
                    c.commit();
                }
            }
            double rawSeconds = (System.nanoTime() - started) / 1e9;
            assertEquals(0, differing(pg, "src", "raw"));
            System.out.printf("uninterrupted restore --into-source:%n%sraw JDBC batch insert (one connection, 1,000 a batch): %d rows in %.1f s,"
                    + " %.0f rows/s%n", whole.out(), ROWS, rawSeconds, ROWS / rawSeconds);
        }
    }

    private static long count(EmbeddedPostgresServer pg, String table) throws Exception {
        try (Connection c = pg.connect("kill_db"); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long differing(EmbeddedPostgresServer pg, String a, String b) throws Exception {
        try (Connection c = pg.connect("kill_db"); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM ((SELECT * FROM " + a
                + " EXCEPT ALL SELECT * FROM " + b + ") UNION ALL (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + ")) d")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long checkpoints(Path dir) throws java.io.IOException {
        Path c = dir.resolve("checkpoints");
        if (!Files.isDirectory(c)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(c)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
