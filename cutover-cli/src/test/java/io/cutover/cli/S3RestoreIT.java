package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.S3ArchiveStore;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.S3ProxyServer;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Archives under an S3 prefix, against S3Proxy (a child process): the same migration archived into a folder and into S3,
 * restored from each to several instants, gives the same tables and the recorded state; a truncated or missing object is
 * named; retention deletes objects after the new manifest is in place; the lock is a conditional put.
 */
class S3RestoreIT {
    static S3ProxyServer s3proxy;
    static S3Client s3;

    @TempDir
    Path tmp;
    LocalDynamoDb db;
    DynamoDbClient client;
    String url;
    final String src = "s3-restore-source";
    final Map<String, Integer> model = new TreeMap<>();
    final Random random = new Random(170);
    int writes;
    int nextValue = 1;

    @BeforeAll
    static void startS3(@TempDir Path conf) throws Exception {
        s3proxy = S3ProxyServer.start(conf);
        s3 = S3Client.builder().endpointOverride(s3proxy.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("cutover", "cutover"))).build();
        s3.createBucket(b -> b.bucket("archives"));
    }

    @AfterAll
    static void stopS3() throws InterruptedException {
        if (s3 != null) {
            s3.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

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

    private String[] s3Flags() {
        return new String[] {"--archive-endpoint-url", s3proxy.endpoint().toString(), "--archive-region", "us-east-1"};
    }

    /** Runs the CLI, adding the S3 flags when the command names an s3:// archive (they are refused with a folder). */
    private CliRun cli(String... args) {
        return Arrays.asList(args).stream().anyMatch(a -> a.startsWith("s3://")) ? CliRun.of(args) : CliRun.of(Arrays.copyOf(args,
                args.length - s3Flags().length));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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

    private void burst(int ops) {
        for (int i = 0; i < ops; i++) {
            String key = "k" + random.nextInt(40);
            if (model.containsKey(key) && random.nextInt(3) == 0) {
                client.deleteItem(b -> b.tableName(src).key(Map.of("pk", AttributeValue.fromS(key), "sk", AttributeValue.fromS("s"))));
                model.remove(key);
                writes++;
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

    private List<String> objects(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket("archives").prefix(prefix + "/")).contents().stream()
                .map(o -> o.key().substring(prefix.length() + 1)).sorted().toList();
    }

    @Test
    void s3ArchiveRestoresTheSameTablesAsAFolderAndNamesBadObjectsAndPrunes() throws Exception {
        for (int i = 0; i < 20; i++) {
            put("k" + i);
        }
        Path state = tmp.resolve("migrate");
        String folder = tmp.resolve("archive").toString();
        String bucket = "s3://archives/orders";
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(src, "s3-restore-replica").stateDir(state).build();
        AtomicReference<MigrationStatus> last = new AtomicReference<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        List<Instant> instants = new ArrayList<>();
        List<Map<String, Integer>> expected = new ArrayList<>();
        long segmentsBeforeCompaction = 0;
        try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, "s3-restore-replica", false, false,
                DynamoDbMigration.LiveOptions.defaults().withLogRetention(Duration.ZERO))) {
            Future<MigrationStatus> running = pool.submit(() -> migration.run(null, CopyProgress.NONE, last::set));
            awaitCaptured(last, running, 0);
            for (String archive : List.of(folder, bucket)) {
                CliRun snap = cli(concat(new String[] {"archive", "snapshot", "--endpoint-url", url, "--source-table", src, "--state-dir",
                        state.toString(), "--archive", archive, "--no-progress"}, s3Flags()));
                assertEquals(0, snap.exitCode(), snap.all());
            }
            Thread.sleep(1500);
            for (int b = 0; b < 3; b++) {
                instants.add(Instant.now().minusMillis(200));
                expected.add(new TreeMap<>(model));
                Thread.sleep(1300);
                burst(30);
                Thread.sleep(1300);
            }
            instants.add(Instant.now().minusMillis(200));
            expected.add(new TreeMap<>(model));
            put("bad-write");
            awaitCaptured(last, running, writes - 20);
            for (String archive : List.of(folder, bucket)) {
                // small segments, then a second sync that adds nothing and merges them all (--compact-after 0): on S3 the
                // merged object is put, then the manifest naming it, then the merged segments are deleted
                CliRun sync = cli(concat(new String[] {"archive", "sync", "--state-dir", state.toString(), "--archive", archive,
                        "--segment-changes", "20"}, s3Flags()));
                assertEquals(0, sync.exitCode(), sync.all());
                if (archive.equals(bucket)) {
                    segmentsBeforeCompaction = objects("orders").stream().filter(n -> n.startsWith("changes-")).count();
                }
                CliRun compact = cli(concat(new String[] {"archive", "sync", "--state-dir", state.toString(), "--archive", archive,
                        "--segment-changes", "1000", "--compact-after", "0"}, s3Flags()));
                assertEquals(0, compact.exitCode(), compact.all());
            }
            migration.requestStop();
            running.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        List<String> stored = objects("orders");
        assertTrue(segmentsBeforeCompaction >= 4, "the first sync wrote segments of 20 changes: " + segmentsBeforeCompaction);
        assertTrue(stored.contains("manifest.json") && stored.stream().anyMatch(n -> n.startsWith("snapshot-"))
                && stored.stream().filter(n -> n.startsWith("changes-")).count() == 1, "compacted into one object: " + stored);
        assertFalse(stored.contains(".lock"), "every command released the lock: " + stored);
        assertTrue(stored.stream().noneMatch(n -> n.endsWith(".partial")), "files are staged locally, not under the prefix: " + stored);

        for (int i = 0; i < instants.size(); i++) {
            for (String archive : List.of(folder, bucket)) {
                String target = (archive.equals(bucket) ? "from-s3-" : "from-folder-") + i;
                CliRun r = cli(concat(new String[] {"restore", "--endpoint-url", url, "--archive", archive, "--to-time", instants.get(i).toString(),
                        "--target-table", target, "--state-dir", tmp.resolve(target).toString(), "--verify", "--no-progress"}, s3Flags()));
                assertEquals(0, r.exitCode(), r.all());
                assertEquals(expected.get(i), table(target), target + ": the table as it was at " + instants.get(i));
            }
            assertEquals(table("from-folder-" + i), table("from-s3-" + i), "the same table through S3 as through a folder");
        }
        CliRun undo = cli(concat(new String[] {"restore", "--endpoint-url", url, "--archive", bucket, "--before-change", "pk=bad-write",
                "--target-table", "s3-undo", "--state-dir", tmp.resolve("undo").toString(), "--no-progress"}, s3Flags()));
        assertEquals(0, undo.exitCode(), undo.all());
        assertEquals(expected.get(instants.size() - 1), table("s3-undo"));

        String segment = stored.stream().filter(n -> n.startsWith("changes-")).findFirst().orElseThrow();
        byte[] bytes = s3.getObjectAsBytes(b -> b.bucket("archives").key("orders/" + segment)).asByteArray();
        s3.putObject(b -> b.bucket("archives").key("orders/" + segment), RequestBody.fromBytes(Arrays.copyOf(bytes, bytes.length / 2)));
        CliRun corrupt = cli(concat(new String[] {"restore", "--endpoint-url", url, "--archive", bucket, "--to-time",
                instants.get(instants.size() - 1).toString(), "--target-table", "s3-corrupt", "--state-dir", tmp.resolve("corrupt").toString()},
                s3Flags()));
        assertEquals(3, corrupt.exitCode(), corrupt.all());
        assertTrue(corrupt.all().contains("s3://archives/orders/" + segment), "the damaged object is named: " + corrupt.all());
        s3.deleteObject(b -> b.bucket("archives").key("orders/" + segment));
        CliRun missing = cli(concat(new String[] {"restore", "--endpoint-url", url, "--archive", bucket, "--to-time",
                instants.get(instants.size() - 1).toString(), "--target-table", "s3-missing", "--state-dir", tmp.resolve("missing").toString()},
                s3Flags()));
        assertEquals(3, missing.exitCode(), missing.all());
        assertTrue(missing.all().contains("s3://archives/orders/" + segment) && missing.all().contains("missing"), missing.all());

        // retention: a second base, then a sync keeping 1 s drops the first snapshot and the segments before the new base
        String firstSnapshot = stored.stream().filter(n -> n.startsWith("snapshot-")).findFirst().orElseThrow();
        CliRun snap2 = cli(concat(new String[] {"archive", "snapshot", "--endpoint-url", url, "--source-table", src, "--state-dir",
                state.toString(), "--archive", bucket, "--no-progress"}, s3Flags()));
        assertEquals(0, snap2.exitCode(), snap2.all());
        Thread.sleep(1500);
        CliRun prune = cli(concat(new String[] {"archive", "sync", "--state-dir", state.toString(), "--archive", bucket,
                "--archive-retention", "1s"}, s3Flags()));
        assertEquals(0, prune.exitCode(), prune.all());
        List<String> after = objects("orders");
        assertFalse(after.contains(firstSnapshot), "the old base is deleted: " + after);
        assertTrue(after.stream().noneMatch(n -> n.startsWith("changes-")), "every segment preceded the new base: " + after);
        assertTrue(after.contains("manifest.json") && after.stream().filter(n -> n.startsWith("snapshot-")).count() == 1, after.toString());
        CliRun early = cli(concat(new String[] {"restore", "--endpoint-url", url, "--archive", bucket, "--to-time", instants.get(0).toString(),
                "--target-table", "s3-early", "--state-dir", tmp.resolve("early").toString()}, s3Flags()));
        assertEquals(2, early.exitCode(), early.all());
        assertTrue(early.all().contains("before the oldest restorable point"), early.all());
        CliRun latest = cli(concat(new String[] {"restore", "--endpoint-url", url, "--archive", bucket, "--to-time", Instant.now().minusMillis(
                500).toString(), "--target-table", "s3-latest", "--state-dir", tmp.resolve("latest").toString(), "--verify"}, s3Flags()));
        assertEquals(0, latest.exitCode(), latest.all());
        assertEquals(table(src), table("s3-latest"));
        System.out.println(prune.out() + latest.out());
    }

    @Test
    void theLockIsAConditionalPutThatWaitsThenNamesItsHolder() throws Exception {
        DynamoDbEndpoint side = new DynamoDbEndpoint("archive", Optional.of(s3proxy.endpoint()), Optional.of("us-east-1"), Optional.empty());
        try (S3ArchiveStore store = new S3ArchiveStore(io.cutover.dynamodb.S3Clients.create(side), "archives", "locked", RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(side), Duration.ofSeconds(2))) {
            try (var held = store.lock()) {
                assertTrue(objects("locked").contains(".lock"), "held");
                // S3 refuses a second create with 412 (If-None-Match: *); S3Proxy 2.6.0 ignores the header (measured here), so
                // there the HEAD before the put and the token read back after it are what keep a second writer out (0170)
                boolean honoured;
                try {
                    s3.putObject(b -> b.bucket("archives").key("locked/.probe").ifNoneMatch("*"), RequestBody.fromString("a"));
                    s3.putObject(b -> b.bucket("archives").key("locked/.probe").ifNoneMatch("*"), RequestBody.fromString("b"));
                    honoured = false;
                } catch (S3Exception refused) {
                    honoured = refused.statusCode() == 412;
                }
                s3.deleteObject(b -> b.bucket("archives").key("locked/.probe"));
                System.out.println("S3Proxy honours If-None-Match: * on PutObject: " + honoured);
            }
            assertFalse(objects("locked").contains(".lock"), "released");
            // a holder that was killed: its object stays, and the next writer waits, then names it
            s3.putObject(b -> b.bucket("archives").key("locked/.lock"), RequestBody.fromString("{\"holder\":\"db-host pid 4242\"}"));
            CutoverException e = assertThrows(CutoverException.class, store::lock);
            assertEquals(ErrorCode.STATE_CONFLICT, e.code());
            assertTrue(e.getMessage().contains("s3://archives/locked/.lock") && e.getMessage().contains("db-host pid 4242")
                    && e.getMessage().contains("aws s3 rm"), e.getMessage());
            s3.deleteObject(b -> b.bucket("archives").key("locked/.lock"));
            try (var again = store.lock()) {
                assertTrue(objects("locked").contains(".lock"));
            }
        }
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
