package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover migrate} as a real child process, killed with SIGKILL during BACKFILL, again as soon
 * as it is in CATCH_UP or IN_SYNC, and a third time in IN_SYNC after it applied changes, while a
 * writer keeps changing the source; the same command then resumes, and once the writer stops and
 * the migration drains, the tables are identical and every change is counted.
 */
class MigrateKillResumeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path state;

    @Test
    void killedDuringBackfillAndAfterThenResumedEndsIdentical() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess()) {
            DynamoDbClient client = LocalTables.client(db);
            String src = "kill-source";
            String dst = "kill-target";
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
            LocalTables.load(client, src, 3_000, new SampleItems(41, 200, false)::item);
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                Random random = new Random(5);
                while (writing.get()) {
                    int k = random.nextInt(3_500);
                    Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("customer#" + (k % 4999)),
                            "sk", AttributeValue.fromS(String.format("order#%012d", k)));
                    if (random.nextInt(4) == 0) {
                        client.deleteItem(b -> b.tableName(src).key(key));
                    } else {
                        Map<String, AttributeValue> item = new HashMap<>(key);
                        item.put("n", AttributeValue.fromN(Integer.toString(random.nextInt())));
                        client.putItem(b -> b.tableName(src).item(item));
                    }
                    // At most 200 changes/s: under the --max-write-rate below, which also caps applying
                    // changes, so the migration can catch up (an unpaced writer outran it on a quiet machine).
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            writer.start();
            List<String> args = List.of("migrate", "--endpoint-url", db.endpoint().toString(), "--source-table", src,
                    "--target-table", dst, "--state-dir", state.toString(), "--segments", "4", "--parallelism", "auto",
                    "--max-write-rate", "400", "--no-progress");
            try {
                killWhen(args, () -> phase().equals("BACKFILL") && backfilled() >= 500);
                assertEquals("BACKFILL", phase());
                killWhen(args, () -> phase().equals("CATCH_UP") || phase().equals("IN_SYNC"));
                killWhen(args, () -> phase().equals("IN_SYNC") && appliedAtLeast(1));
            } finally {
                writing.set(false);
                writer.join();
            }
            List<String> drain = new ArrayList<>(args);
            drain.addAll(List.of("--until", "drained", "--output", "json"));
            CliRun last = CliRun.of(drain.toArray(String[]::new));
            assertEquals(0, last.exitCode(), last.all());
            JsonNode status = JSON.readTree(last.out());
            assertEquals(0, status.get("backlog").asLong());
            assertEquals(status.get("captured").asLong(), status.get("applied").asLong() + status.get("superseded").asLong()
                    + status.get("deadLettered").asLong(), "over three processes, every change is applied, superseded or dead-lettered: " + status);
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), cmp.toString());

            CliRun shown = CliRun.of("status", "--state-dir", state.toString(), "--output", "json");
            assertEquals(0, shown.exitCode(), shown.all());
            assertEquals("IN_SYNC", JSON.readTree(shown.out()).get("phase").asText());
        }
    }

    private void killWhen(List<String> args, Predicate0 condition) throws Exception {
        Process child = CliRun.child(args, state.resolve("child.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!condition.test()) {
            assertTrue(child.isAlive(), () -> "the migration ended before it could be killed: " + read(state.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, () -> "condition not reached within 180 s; phase " + phaseOrError()
                    + "; child log: " + read(state.resolve("child.log")));
            Thread.sleep(20);
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }

    @FunctionalInterface
    interface Predicate0 {
        boolean test() throws Exception;
    }

    private String phaseOrError() {
        try {
            return phase() + ", status " + read(state.resolve("status.json"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String phase() throws Exception {
        Path f = state.resolve("migration.json");
        if (!Files.exists(f)) {
            return "";
        }
        try {
            return JSON.readTree(f.toFile()).get("phase").asText();
        } catch (Exception renamedMeanwhile) {
            return "";
        }
    }

    /** True once status.json says at least {@code n} changes were applied (so a kill lands mid-IN_SYNC, not at its start). */
    private boolean appliedAtLeast(long n) {
        Path f = state.resolve("status.json");
        try {
            return Files.exists(f) && JSON.readTree(f.toFile()).get("applied").asLong() >= n;
        } catch (Exception renamedMeanwhile) {
            return false;
        }
    }

    private long backfilled() throws Exception {
        Path dir = state.resolve("backfill").resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long sum = 0;
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                try {
                    sum += JSON.readTree(f.toFile()).get("items").asLong();
                } catch (Exception renamedMeanwhile) {
                    // next poll
                }
            }
        }
        return sum;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
