package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Point-in-time restore end to end: a writer puts, updates, deletes and re-inserts keys during a live migration that
 * keeps its whole change log; the test records every acknowledged write; restoring the archive to instants in the
 * quiet gaps between write bursts (more than a second, the capture clock's precision) gives exactly the recorded state.
 * On a fresh DynamoDB Local child process (streams).
 */
class RestoreIT {
    @TempDir
    Path tmp;
    LocalDynamoDb db;
    DynamoDbClient client;
    String url;
    final String src = "restore-source";
    /** key -> v, the writer's own record of what the table holds. */
    final Map<String, Integer> model = new TreeMap<>();
    final Random random = new Random(14);
    int writes;
    int nextValue = 1;

    @BeforeEach
    void freshServer() {
        db = LocalDynamoDb.startChildProcess();
        client = LocalTables.client(db);
        url = db.endpoint().toString();
        LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
    }

    @AfterEach
    void stop() {
        client.close();
        db.close();
    }

    private void put(String key) {
        int v = nextValue++;
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("sk", AttributeValue.fromS("s"));
        item.put("v", AttributeValue.fromN(Integer.toString(v)));
        client.putItem(b -> b.tableName(src).item(item));
        model.put(key, v);
        writes++;
    }

    private void delete(String key) {
        client.deleteItem(b -> b.tableName(src).key(Map.of("pk", AttributeValue.fromS(key), "sk", AttributeValue.fromS("s"))));
        model.remove(key);
        writes++;
    }

    /** Puts new keys, updates and deletes existing ones, re-inserts deleted ones: every write changes the table. */
    private void burst(int ops) {
        for (int i = 0; i < ops; i++) {
            String key = "k" + random.nextInt(40);
            if (model.containsKey(key) && random.nextInt(3) == 0) {
                delete(key);
            } else {
                put(key);
            }
        }
    }

    private Map<String, Integer> table(String name) {
        Map<String, Integer> out = new TreeMap<>();
        client.scanPaginator(b -> b.tableName(name).consistentRead(true)).items()
                .forEach(i -> out.put(i.get("pk").s(), Integer.parseInt(i.get("v").n())));
        return out;
    }

    @Test
    void restoresExactlyTheRecordedStateAtEachInstantAndRefusesWhatTheArchiveCannotReach() throws Exception {
        for (int i = 0; i < 20; i++) {
            put("k" + i);
        }
        Path state = tmp.resolve("migrate");
        Path archive = tmp.resolve("archive");
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(src, "restore-replica").stateDir(state).build();
        AtomicReference<MigrationStatus> last = new AtomicReference<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        List<Instant> instants = new ArrayList<>();
        List<Map<String, Integer>> expected = new ArrayList<>();
        String syncOut;
        try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, "restore-replica", false, false,
                DynamoDbMigration.LiveOptions.defaults().withLogRetention(Duration.ZERO))) {
            Future<MigrationStatus> running = pool.submit(() -> migration.run(null, CopyProgress.NONE, last::set));
            awaitCaptured(last, running, 0); // capture starts at the stream's end: the 20 first items come by the backfill
            CliRun snap = CliRun.of("archive", "snapshot", "--endpoint-url", url, "--source-table", src, "--state-dir", state.toString(),
                    "--archive", archive.toString(), "--no-progress");
            assertEquals(0, snap.exitCode(), snap.all());
            Thread.sleep(1500);
            for (int b = 0; b < 4; b++) {
                instants.add(Instant.now().minusMillis(200));
                expected.add(new TreeMap<>(model));
                Thread.sleep(1300);
                burst(30);
                Thread.sleep(1300);
            }
            instants.add(Instant.now().minusMillis(200));
            expected.add(new TreeMap<>(model));
            put("bad-write"); // the write a user wants to undo, found by --before-change
            awaitCaptured(last, running, writes - 20);
            CliRun sync = CliRun.of("archive", "sync", "--state-dir", state.toString(), "--archive", archive.toString(), "--output", "json");
            assertEquals(0, sync.exitCode(), sync.all());
            syncOut = sync.out();
            assertTrue(sync.out().contains("\"changes\" : " + (writes - 20)) || sync.out().contains("\"changes\":" + (writes - 20)),
                    "every change after the snapshot's position is archived once: " + sync.all());
            migration.requestStop();
            running.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        CliRun plan = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-time", instants.get(2).toString(),
                "--target-table", "restored-plan", "--state-dir", tmp.resolve("plan").toString(), "--dry-run", "--output", "json");
        assertEquals(0, plan.exitCode(), plan.all());
        assertTrue(plan.out().replace(" ", "").contains("\"expectedItems\":" + expected.get(2).size()),
                plan.all() + instants + Files.readString(archive.resolve("manifest.json")));
        assertTrue(client.listTables().tableNames().stream().noneMatch("restored-plan"::equals), "a dry run creates no table");

        for (int i = 0; i < instants.size(); i++) {
            String target = "restored-" + i;
            CliRun r = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-time", instants.get(i).toString(),
                    "--target-table", target, "--state-dir", tmp.resolve("restore-" + i).toString(), "--verify", "--no-progress");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals(expected.get(i), table(target), "the table as it was at " + instants.get(i));
        }
        CliRun undo = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--before-change", "pk=bad-write",
                "--target-table", "restored-undo", "--state-dir", tmp.resolve("undo").toString(), "--no-progress");
        assertEquals(0, undo.exitCode(), undo.all());
        assertEquals(expected.get(4), table("restored-undo"), "restored to just before the bad write");
        System.out.println(syncOut + plan.out() + undo.out()); // figures, in the failsafe output file
        assertTrue(!expected.get(0).equals(expected.get(4)), "the writer changed the table between the first and last instants");

        CliRun exists = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-time", instants.get(1).toString(),
                "--target-table", "restored-0", "--state-dir", tmp.resolve("exists").toString());
        assertEquals(3, exists.exitCode(), "a restore never writes into a table it did not create: " + exists.all());
        assertEquals(expected.get(0), table("restored-0"), "the existing table is untouched");

        Instant beforeSnapshot = instants.get(0).minusSeconds(60);
        CliRun early = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-time", beforeSnapshot.toString(),
                "--target-table", "restored-early", "--state-dir", tmp.resolve("early").toString());
        assertEquals(2, early.exitCode(), early.all());
        assertTrue(early.all().contains("before the oldest restorable point"), early.all());

        Path changes;
        try (Stream<Path> files = Files.list(archive)) {
            changes = files.filter(p -> p.getFileName().toString().startsWith("changes-")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(changes);
        Files.write(changes, java.util.Arrays.copyOf(bytes, bytes.length / 2), StandardOpenOption.TRUNCATE_EXISTING);
        CliRun corrupt = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-time", instants.get(4).toString(),
                "--target-table", "restored-corrupt", "--state-dir", tmp.resolve("corrupt").toString());
        assertEquals(3, corrupt.exitCode(), corrupt.all());
        assertTrue(corrupt.all().contains(changes.getFileName().toString()), "the corrupt file is named: " + corrupt.all());
        Files.delete(changes);
        CliRun missing = CliRun.of("restore", "--endpoint-url", url, "--archive", archive.toString(), "--to-time", instants.get(4).toString(),
                "--target-table", "restored-missing", "--state-dir", tmp.resolve("missing").toString());
        assertEquals(3, missing.exitCode(), missing.all());
        assertTrue(missing.all().contains(changes.getFileName().toString()) && missing.all().contains("missing"), missing.all());
    }

    private static void awaitCaptured(AtomicReference<MigrationStatus> last, Future<?> running, long writes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            MigrationStatus s = last.get();
            if (running.isDone()) {
                running.get();
            }
            if (s != null && s.phase().equals("IN_SYNC") && s.captured() >= writes && s.backlog() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the migration did not capture " + writes + " writes: " + last.get());
    }
}
