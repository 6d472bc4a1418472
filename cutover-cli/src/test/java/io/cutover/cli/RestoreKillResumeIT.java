package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** A restore killed with SIGKILL while writing resumes from its checkpoints and ends identical to the archive. */
class RestoreKillResumeIT {
    @TempDir
    Path tmp;

    @Test
    void aRestoreKilledWhileWritingResumesAndEndsIdentical() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        String src = LocalTables.uniqueName("restore-kill");
        String dst = src + "-restored";
        String url = db.endpoint().toString();
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 40_000, new SampleItems(3, 400, false)::item);
        Path state = tmp.resolve("migrate");
        SqliteChangeLog.open(state.resolve("changes.db")).close(); // a log with no changes: the snapshot alone is the state
        Path archive = tmp.resolve("archive");
        assertEquals(0, CliRun.of("archive", "snapshot", "--endpoint-url", url, "--source-table", src, "--state-dir", state.toString(),
                "--archive", archive.toString()).exitCode());
        Path restoreState = tmp.resolve("restore");
        List<String> args = List.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-position", "0",
                "--target-table", dst, "--state-dir", restoreState.toString(), "--parallelism", "2", "--write-concurrency", "2", "--no-progress");
        Process child = CliRun.child(args, tmp.resolve("child.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (checkpoints(restoreState) < 2 && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(child.isAlive(), "the restore was still writing when killed: " + Files.readString(tmp.resolve("child.log")));
        child.destroyForcibly().waitFor(); // SIGKILL
        long before = client.scan(b -> b.tableName(dst).select("COUNT")).count();
        assertTrue(before < 40_000, "killed part way, not after the end");

        List<String> resume = new java.util.ArrayList<>(args);
        resume.add("--verify");
        CliRun again = CliRun.of(resume.toArray(String[]::new));
        assertEquals(0, again.exitCode(), again.all());
        System.out.println(again.out()); // figures for docs/restore.md, in the failsafe output file
        assertTrue(TableComparison.compare(client, src, client, dst).identical(), "the restored table equals the snapshot's table");
        // A figure for docs/restore.md: an uninterrupted restore of the same archive, items written per second.
        CliRun whole = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-position", "0",
                "--target-table", dst + "-2", "--state-dir", tmp.resolve("restore-2").toString(), "--no-progress");
        assertEquals(0, whole.exitCode(), whole.all());
        System.out.println(whole.out());
        client.close();
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
