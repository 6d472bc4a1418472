package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The end-to-end resume scenario: a real {@code cutover copy} child process is killed with SIGKILL
 * twice mid-copy; the same command then finishes, resuming, and the target is identical to the source.
 */
class CopyKillResumeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITEMS = 8_000;

    @TempDir
    Path state;

    @Test
    void killedTwiceMidCopyThenResumedEndsIdentical() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        String src = LocalTables.uniqueName("kill");
        String dst = src + "-copy";
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, ITEMS, new SampleItems(11, 300, false)::item);
        List<String> args = List.of("copy", "--endpoint-url", db.endpoint().toString(), "--source-table", src, "--target-table", dst,
                "--state-dir", state.toString(), "--segments", "4", "--parallelism", "4", "--scan-page-size", "100",
                "--max-write-rate", "1000", "--no-progress", "--output", "json");

        killWhenAcknowledged(args, 1_500);
        long afterFirst = acknowledged();
        killWhenAcknowledged(args, afterFirst + 2_000);
        long afterSecond = acknowledged();
        assertTrue(afterSecond > afterFirst, "the second run must resume and move on: " + afterFirst + " -> " + afterSecond);

        CliRun last = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, last.exitCode(), last.all());
        JsonNode result = JSON.readTree(last.out());
        assertEquals("completed", result.get("status").asText());
        JsonNode table = result.get("tables").get(0);
        assertTrue(table.get("resumedItems").asLong() >= afterSecond - 1, "resumed from the checkpoints: " + table);
        assertTrue(table.get("items").asLong() + table.get("resumedItems").asLong() >= ITEMS);
        TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
        assertTrue(cmp.identical(), cmp.toString());
        assertEquals(ITEMS, cmp.targetItems());
    }

    /** Starts the copy as a child JVM and kills it with SIGKILL once checkpoints show {@code threshold} items acknowledged. */
    private void killWhenAcknowledged(List<String> args, long threshold) throws Exception {
        Process child = CliRun.child(args, state.resolve("child.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (acknowledged() < threshold) {
            assertTrue(child.isAlive(), "the copy ended before it could be killed: " + Files.readString(state.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no progress within 120 s");
            Thread.sleep(20);
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, child.exitValue(), "killed with SIGKILL");
        assertTrue(acknowledged() < ITEMS, "killed before the end");
    }

    /** Items acknowledged according to the checkpoint files (read while the child may be renaming them). */
    private long acknowledged() throws IOException {
        Path dir = state.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        for (int attempt = 1; ; attempt++) {
            long sum = 0;
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    try {
                        sum += JSON.readTree(f.toFile()).get("items").asLong();
                    } catch (IOException vanished) {
                        // Renamed over between listing and reading; the next poll sees it.
                    }
                }
                return sum;
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException renamedWhileListing) {
                // A temporary checkpoint file was renamed while the walk listed it: list again.
                if (attempt == 10) {
                    throw new IOException("the checkpoint folder kept changing while listed", renamedWhileListing);
                }
            }
        }
    }
}
