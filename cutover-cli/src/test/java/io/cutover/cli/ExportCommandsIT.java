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
 * {@code cutover export}, then {@code cutover copy --from-export} as a child process killed with SIGKILL twice mid-load,
 * resumed by the same command from each file's checkpoint, ending identical to the exported table.
 */
class ExportCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITEMS = 8_000;

    @TempDir
    Path dir;

    @Test
    void exportThenLoadKilledTwiceThenResumedEndsIdentical() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        String src = LocalTables.uniqueName("cli-export");
        String dst = src + "-loaded";
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, ITEMS, new SampleItems(41, 300, false)::item);

        CliRun exported = CliRun.of("export", "--endpoint-url", db.endpoint().toString(), "--source-table", src, "--to",
                dir.resolve("export").toString(), "--segments", "4", "--state-dir", dir.resolve("export-state").toString(), "--no-progress",
                "--output", "json");
        assertEquals(0, exported.exitCode(), exported.all());
        JsonNode export = JSON.readTree(exported.out());
        assertEquals(ITEMS, export.get("items").asLong());
        String location = export.get("location").asText();

        CliRun dry = CliRun.of("copy", "--endpoint-url", db.endpoint().toString(), "--from-export", dir.resolve("export").toString(),
                "--target-table", dst, "--dry-run", "--output", "json");
        assertEquals(0, dry.exitCode(), dry.all());
        assertEquals(ITEMS, JSON.readTree(dry.out()).get("items").asLong());

        LocalTables.create(client, SampleItems.plainTable(dst));
        List<String> args = List.of("copy", "--endpoint-url", db.endpoint().toString(), "--from-export", location, "--target-table", dst,
                "--state-dir", dir.resolve("state").toString(), "--parallelism", "4", "--scan-page-size", "100",
                "--max-write-rate", "1000", "--no-progress", "--output", "json");
        killWhenAcknowledged(args, 1_500);
        long afterFirst = acknowledged();
        killWhenAcknowledged(args, afterFirst + 2_000);
        long afterSecond = acknowledged();
        assertTrue(afterSecond > afterFirst, "the second run resumed and moved on: " + afterFirst + " -> " + afterSecond);

        CliRun last = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, last.exitCode(), last.all());
        JsonNode result = JSON.readTree(last.out());
        assertEquals("completed", result.get("status").asText());
        assertTrue(result.get("tables").get(0).get("resumedItems").asLong() >= afterSecond - 1, result.toString());
        TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
        assertTrue(cmp.identical(), cmp.toString());
        assertEquals(ITEMS, cmp.targetItems());
        CliRun verify = CliRun.of("verify", "--endpoint-url", db.endpoint().toString(), "--source-table", src, "--target-table", dst,
                "--state-dir", dir.resolve("verify").toString(), "--no-progress");
        assertEquals(0, verify.exitCode(), "cutover verify finds the loaded table identical: " + verify.all());
    }

    private void killWhenAcknowledged(List<String> args, long threshold) throws Exception {
        Process child = CliRun.child(args, dir.resolve("child.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (acknowledged() < threshold) {
            assertTrue(child.isAlive(), "the load ended before it could be killed: " + Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no progress within 120 s");
            Thread.sleep(20);
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, child.exitValue(), "killed with SIGKILL");
        assertTrue(acknowledged() < ITEMS, "killed before the end");
    }

    private long acknowledged() throws IOException {
        Path checkpoints = dir.resolve("state").resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return 0;
        }
        for (int attempt = 1; ; attempt++) {
            long sum = 0;
            try (Stream<Path> files = Files.walk(checkpoints)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    try {
                        sum += JSON.readTree(f.toFile()).get("items").asLong();
                    } catch (IOException vanished) {
                        // Renamed over between listing and reading; the next poll sees it.
                    }
                }
                return sum;
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException renamedWhileListing) {
                if (attempt == 10) {
                    throw new IOException("the checkpoint folder kept changing while listed", renamedWhileListing);
                }
            }
        }
    }
}
