package io.cutover.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.checkpoint.UnitCheckpoint;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbCopier;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbExporter;
import io.cutover.dynamodb.DynamoDbVerification;
import io.cutover.dynamodb.TableComparison;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The Spark runner in local mode ({@code local[2]}) against DynamoDB Local on a loopback port: copy, export load
 * and verify end identical to (and agree with) the single-process ones; a job killed with {@code kill -9} and
 * submitted again resumes from its tasks' checkpoints; the Spark verify finds planted differences.
 */
class SparkJobsIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;
    static JavaSparkContext spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
        spark = new JavaSparkContext(sparkConf());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.close();
        }
    }

    static SparkConf sparkConf() {
        // Two task threads; up to 4 attempts of a task, as a cluster gives by default (plain local[2] gives one).
        return new SparkConf().setMaster("local[2,4]").setAppName("cutover-spark-it").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
    }

    private String sourceTable(String prefix, long items) {
        String name = LocalTables.uniqueName(prefix);
        LocalTables.create(client, SampleItems.plainTable(name));
        SampleItems sample = new SampleItems(7, 0);
        LocalTables.load(client, name, items, sample::item);
        return name;
    }

    private SparkJobSettings settings(String job, String source, String target, Path state) {
        return SparkJobSettings.local(job, db.endpoint(), source, target, state);
    }

    private static void assertIdentical(String source, String target, long items) {
        TableComparison.Result cmp = TableComparison.compare(client, source, client, target);
        assertTrue(cmp.identical(), "tables differ: " + cmp);
        assertEquals(items, cmp.sourceItems());
        assertEquals(items, cmp.targetItems());
    }

    private static VerifyResult singleProcessVerify(String source, String target, Path report) {
        try (DynamoDbVerification v = new DynamoDbVerification(DynamoDbEndpoint.local("source", db.endpoint()),
                DynamoDbEndpoint.local("target", db.endpoint()), 16)) {
            return v.run(source, target, VerifyOptions.defaults(), CopyProgress.NONE, report, Optional.empty());
        }
    }

    @Test
    void copiesEveryTypeIdenticallyAndVerifiesLikeTheSingleProcessVerifier() {
        // Every DynamoDB type, 32 levels of nesting and a 300 KB item are among SampleItems' 10,000.
        String source = sourceTable("spark-types", 10_000);
        String target = source + "-copy";
        long start = System.nanoTime();
        CopyResult copy = new SparkCopyJob(spark, settings("copy", source, target, dir.resolve("state")).withSegments(8)).run();
        double sparkSeconds = (System.nanoTime() - start) / 1e9;
        assertEquals("completed", copy.status(), copy.toString());
        assertEquals(10_000, copy.items());
        assertEquals("created", copy.tables().get(0).schemaAction());
        assertEquals(8, copy.tables().get(0).segments());
        assertIdentical(source, target, 10_000);

        VerifyResult sparkVerify = new SparkVerifyJob(spark, settings("verify", source, target, dir.resolve("verify"))).run();
        assertTrue(sparkVerify.identical(), sparkVerify.toString());
        assertEquals(10_000, sparkVerify.sourceItems());
        assertEquals(10_000, sparkVerify.targetItems());
        assertTrue(Files.exists(Path.of(sparkVerify.reportFile())));

        // The same copy by the single-process engine, for the figures in docs/spark.md.
        String single = source + "-single";
        start = System.nanoTime();
        try (DynamoDbCopier copier = new DynamoDbCopier(CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                DynamoDbEndpoint.local("target", db.endpoint())).table(source, single).stateDir(dir.resolve("single")).segments(8)
                .build(), CopyProgress.NONE, List.of())) {
            assertEquals(10_000, copier.run().items());
        }
        double singleSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("FIGURES spark copy local[2]: %.0f items/s (%.1f s); single-process copy: %.0f items/s (%.1f s)%n",
                10_000 / sparkSeconds, sparkSeconds, 10_000 / singleSeconds, singleSeconds);
        VerifyResult singleVerify = singleProcessVerify(source, target, dir.resolve("single-verify.jsonl"));
        assertEquals(singleVerify.status(), sparkVerify.status());
        assertEquals(singleVerify.sourceItems(), sparkVerify.sourceItems());
        assertEquals(singleVerify.targetItems(), sparkVerify.targetItems());
    }

    @Test
    void verifyFindsPlantedDifferencesLikeTheSingleProcessVerifier() {
        String source = sourceTable("spark-diff", 3_000);
        String target = source + "-copy";
        assertEquals("completed", new SparkCopyJob(spark, settings("copy", source, target, dir.resolve("state"))).run().status());
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        client.scanPaginator(b -> b.tableName(source).limit(500)).items().forEach(items::add);
        Map<String, AttributeValue> gone = keyOf(items.get(42));
        Map<String, AttributeValue> changed = keyOf(items.get(777));
        client.deleteItem(b -> b.tableName(target).key(gone));
        Map<String, AttributeValue> item = new java.util.HashMap<>(client.getItem(b -> b.tableName(target).key(changed)).item());
        item.put("planted", AttributeValue.fromS("a difference"));
        client.putItem(b -> b.tableName(target).item(item));
        Map<String, AttributeValue> extra = Map.of("pk", AttributeValue.fromS("only-in-target"), "sk", AttributeValue.fromS("x"));
        client.putItem(b -> b.tableName(target).item(extra));

        VerifyResult result = new SparkVerifyJob(spark, settings("verify", source, target, dir.resolve("verify"))).run();
        assertEquals("different", result.status());
        assertEquals(1, result.missing(), result.toString());
        assertEquals(1, result.extra(), result.toString());
        assertEquals(1, result.different(), result.toString());
        assertEquals(gone, DynamoDbJson.read(result.missingKeys().get(0).toString()));
        assertEquals(extra, DynamoDbJson.read(result.extraKeys().get(0).toString()));
        assertEquals(changed, DynamoDbJson.read(result.differentItems().get(0).key().toString()));
        assertEquals(List.of("planted"), result.differentItems().get(0).attributes());

        VerifyResult single = singleProcessVerify(source, target, dir.resolve("single.jsonl"));
        assertEquals(single.missing(), result.missing());
        assertEquals(single.extra(), result.extra());
        assertEquals(single.different(), result.different());
        assertEquals(single.differentItems(), result.differentItems());
    }

    private static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
        return Map.of("pk", item.get("pk"), "sk", item.get("sk"));
    }

    @Test
    void loadsAnExportIdenticallyInBothFormats() {
        String source = sourceTable("spark-export", 4_000);
        for (ExportFormat format : ExportFormat.values()) {
            Path export = dir.resolve("export-" + format);
            DynamoDbEndpoint noS3 = new DynamoDbEndpoint("export", Optional.empty(), Optional.of("us-east-1"), Optional.empty());
            try (DynamoDbExporter e = new DynamoDbExporter(new DynamoDbExporter.Settings(DynamoDbEndpoint.local("source", db.endpoint()),
                    source, ExportLocation.parse("--to", export.toString()), noS3, format, Optional.of(6), 4, 0, 1000), CopyProgress.NONE)) {
                e.run();
            }
            String target = source + "-" + format.name().toLowerCase().replace('_', '-');
            LocalTables.create(client, SampleItems.plainTable(target));
            SparkEndpoint local = new SparkEndpoint("target", db.endpoint().toString(), "us-east-1", null);
            SparkJobSettings load = new SparkJobSettings("load", null, local, null, null, target, export.toString(),
                    dir.resolve("load-" + format).toString(), 0, 0, 0, 0, 8, 1000, false, 65_536, 100, null);
            CopyResult result = new SparkCopyJob(spark, load).run();
            assertEquals("completed", result.status(), result.toString());
            assertEquals(4_000, result.items());
            assertEquals(6, result.tables().get(0).segments());
            assertIdentical(source, target, 4_000);
        }
    }

    @Test
    void killedJobResumesFromTaskCheckpointsWithNoItemLostOrDoubled() throws Exception {
        long total = 20_000;
        String source = sourceTable("spark-kill", total);
        String target = source + "-copy";
        Path state = dir.resolve("state");
        // A real spark-submit'ed driver in its own JVM (local[2]), slowed to 2,000 items/s so that it is killed mid-way.
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(List.of(System.getProperty("cutover.spark.opens", "").trim().split("\\s+")));
        cmd.addAll(List.of("-Dspark.master=local[2]", "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1",
                "-Dspark.driver.bindAddress=127.0.0.1", "-cp", System.getProperty("java.class.path"), CutoverSparkMain.class.getName(),
                "copy", "--endpoint-url", db.endpoint().toString(), "--region", "us-east-1", "--source-table", source,
                "--target-table", target, "--state-dir", state.toString(), "--segments", "8", "--max-write-rate", "2000",
                "--page-size", "100"));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        FileCheckpointStore checkpoints = new FileCheckpointStore(state.resolve("checkpoints"));
        String scope = new io.cutover.dynamodb.TablePair(source, target).scope();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (acknowledged(checkpoints, scope) < 4_000) {
            assertTrue(child.isAlive(), "the child ended before it was killed: " + Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no progress: " + Files.readString(dir.resolve("child.log")));
            Thread.sleep(100);
        }
        child.destroyForcibly().waitFor();   // SIGKILL: no shutdown hook, no last checkpoint
        long before = acknowledged(checkpoints, scope);
        assertTrue(before < total, "killed too late: " + before);
        assertTrue(checkpoints.loadAll(scope).values().stream().anyMatch(c -> !c.complete()));

        CopyResult resumed = new SparkCopyJob(spark, settings("copy", source, target, state)).run();
        System.out.printf("FIGURES killed after %d acknowledged items; resubmitted: %d resumed, %d written%n", before,
                resumed.tables().get(0).resumedItems(), resumed.items());
        assertEquals("completed", resumed.status(), resumed.toString());
        assertEquals(8, resumed.tables().get(0).segments(), "the resubmitted job keeps the first one's split");
        assertTrue(resumed.tables().get(0).resumedItems() >= before, resumed.toString());
        // Every item acknowledged exactly once across the two submissions: none skipped, none counted twice.
        assertEquals(total, resumed.tables().get(0).resumedItems() + resumed.items(), resumed.toString());
        assertEquals(total, acknowledged(checkpoints, scope));
        assertTrue(checkpoints.loadAll(scope).values().stream().allMatch(UnitCheckpoint::complete));
        assertIdentical(source, target, total);
        VerifyResult verify = new SparkVerifyJob(spark, settings("verify", source, target, dir.resolve("verify"))).run();
        assertTrue(verify.identical(), verify.toString());
    }

    private static long acknowledged(FileCheckpointStore checkpoints, String scope) {
        return checkpoints.loadAll(scope).values().stream().mapToLong(UnitCheckpoint::items).sum();
    }

    @Test
    void aFailedTaskIsRetriedFromItsUnitsCheckpoint() throws Exception {
        long total = 8_000;
        String source = sourceTable("spark-retry", total);
        String target = source + "-copy";
        Path state = dir.resolve("state");
        String scope = new io.cutover.dynamodb.TablePair(source, target).scope();
        FileCheckpointStore checkpoints = new FileCheckpointStore(state.resolve("checkpoints"));
        String unit = io.cutover.dynamodb.DynamoDbScanSegment.unitId(0, 4);
        // A directory where segment 0's next checkpoint is written first: that save fails, so the task fails mid-way.
        Path blocker = state.resolve("checkpoints").resolve(scope).resolve(unit + ".json.tmp");
        AtomicInteger failedAttempts = new AtomicInteger();
        SparkListener healer = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    failedAttempts.incrementAndGet();
                    try {
                        Files.deleteIfExists(blocker);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        };
        spark.sc().addSparkListener(healer);
        AtomicLong blockedAfter = new AtomicLong(-1);
        Thread saboteur = new Thread(() -> {
            while (blockedAfter.get() < 0 && !Thread.currentThread().isInterrupted()) {
                Optional<UnitCheckpoint> cp = checkpoints.load(scope, unit);
                if (cp.isPresent() && cp.get().items() > 0 && !cp.get().complete()) {
                    try {
                        Files.createDirectories(blocker);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    blockedAfter.set(cp.get().items());
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        saboteur.start();
        try {
            SparkEndpoint local = new SparkEndpoint("source", db.endpoint().toString(), "us-east-1", null);
            SparkJobSettings slow = new SparkJobSettings("copy", local, new SparkEndpoint("target", local.endpointUrl(), "us-east-1", null),
                    null, source, target, null, state.toString(), 4, 2, 2_000, 0, 8, 100, false, 65_536, 100, null);
            CopyResult result = new SparkCopyJob(spark, slow).run();
            assertEquals("completed", result.status(), result.toString());
            assertTrue(blockedAfter.get() > 0, "the task was never made to fail");
            assertTrue(failedAttempts.get() >= 1, "Spark saw no failed attempt");
            // The last attempt of segment 0 started from the checkpoint the failed one left; each item counted once.
            assertTrue(result.tables().get(0).resumedItems() >= blockedAfter.get(), result.toString());
            assertEquals(total, result.tables().get(0).resumedItems() + result.items(), result.toString());
            assertIdentical(source, target, total);
        } finally {
            saboteur.interrupt();
            spark.sc().removeSparkListener(healer);
        }
    }

    @Test
    void restartCopiesAFinishedJobAgainFromTheStart() {
        String source = sourceTable("spark-restart", 500);
        String target = source + "-copy";
        Path state = dir.resolve("state");
        assertEquals(500, new SparkCopyJob(spark, settings("copy", source, target, state).withSegments(4)).run().items());
        CopyResult again = new SparkCopyJob(spark, settings("copy", source, target, state)).run();
        assertEquals(0, again.items(), "a finished job submitted again copies nothing");
        assertEquals(500, again.tables().get(0).resumedItems());
        CopyResult restarted = new SparkCopyJob(spark, settings("copy", source, target, state).withRestart(true).withSegments(2)).run();
        assertEquals(500, restarted.items());
        assertEquals(0, restarted.tables().get(0).resumedItems());
        assertEquals(2, restarted.tables().get(0).segments(), "--restart may change the split");
        assertIdentical(source, target, 500);
    }

    @Test
    void refusesAResubmissionWithAnotherSplit() {
        String source = sourceTable("spark-split", 100);
        String target = source + "-copy";
        Path state = dir.resolve("state");
        new SparkCopyJob(spark, settings("copy", source, target, state).withSegments(4)).run();
        io.cutover.core.CutoverException e = org.junit.jupiter.api.Assertions.assertThrows(io.cutover.core.CutoverException.class,
                () -> new SparkCopyJob(spark, settings("copy", source, target, state).withSegments(6)).run());
        assertEquals(io.cutover.core.ErrorCode.STATE_CONFLICT, e.code());
        assertFalse(e.getMessage().isBlank());
    }
}
