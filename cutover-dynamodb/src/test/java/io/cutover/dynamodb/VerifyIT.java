package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@code cutover verify} against a real DynamoDB Local: every kind of difference, exactly, and nothing else. */
class VerifyIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
    }

    /** A small item with a nested map, a set and numbers, so that every kind of change has a place to happen. */
    static Map<String, AttributeValue> item(long i) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("pk", AttributeValue.fromS("k" + i));
        m.put("sk", AttributeValue.fromS("s" + (i % 7)));
        m.put("n", AttributeValue.fromN(Long.toString(i)));
        m.put("tags", AttributeValue.fromSs(List.of("a", "b", "c")));
        m.put("address", AttributeValue.fromM(Map.of("city", AttributeValue.fromS("Lisbon"), "zip", AttributeValue.fromN("1000"))));
        return m;
    }

    private static Map<String, AttributeValue> key(long i) {
        return Map.of("pk", AttributeValue.fromS("k" + i), "sk", AttributeValue.fromS("s" + (i % 7)));
    }

    private VerifyResult verify(String a, String b, VerifyOptions options) {
        try (DynamoDbVerification v = new DynamoDbVerification(DynamoDbEndpoint.local("source", db.endpoint()),
                DynamoDbEndpoint.local("target", db.endpoint()), 24)) {
            return v.run(a, b, options, CopyProgress.NONE, dir.resolve("report.jsonl"), Optional.of(dir));
        }
    }

    private void put(String table, Map<String, AttributeValue> item) {
        client.putItem(b -> b.tableName(table).item(item));
    }

    @Test
    void findsEveryKindOfDifferenceExactlyWithNoFalsePositivesOn100kItems() throws Exception {
        String src = LocalTables.uniqueName("verify-src");
        String dst = LocalTables.uniqueName("verify-dst");
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.create(client, SampleItems.plainTable(dst));
        LocalTables.load(client, src, 100_000, VerifyIT::item);
        LocalTables.load(client, dst, 100_000, VerifyIT::item);

        // Missing: 3 keys deleted from the target. Extra: 2 keys only in the target.
        for (long i : new long[] {11, 22_222, 99_999}) {
            client.deleteItem(b -> b.tableName(dst).key(key(i)));
        }
        put(dst, item(200_001));
        put(dst, item(200_002));
        // Different: a changed scalar, a changed nested attribute, a type change N to S, a changed set.
        Map<String, AttributeValue> scalar = item(5);
        scalar.put("n", AttributeValue.fromN("6"));
        put(dst, scalar);
        Map<String, AttributeValue> nested = item(50);
        nested.put("address", AttributeValue.fromM(Map.of("city", AttributeValue.fromS("Porto"), "zip", AttributeValue.fromN("1000"))));
        put(dst, nested);
        Map<String, AttributeValue> typed = item(500);
        typed.put("n", AttributeValue.fromS("500"));
        put(dst, typed);
        Map<String, AttributeValue> set = item(5_000);
        set.put("tags", AttributeValue.fromSs(List.of("a", "b", "d")));
        put(dst, set);
        // Not differences: set order, and a number written as 1.0 instead of 1, and 1000 as 1E3.
        Map<String, AttributeValue> reordered = item(7);
        reordered.put("tags", AttributeValue.fromSs(List.of("c", "a", "b")));
        put(dst, reordered);
        Map<String, AttributeValue> decimal = item(1);
        decimal.put("n", AttributeValue.fromN("1.0"));
        decimal.put("address", AttributeValue.fromM(Map.of("city", AttributeValue.fromS("Lisbon"), "zip", AttributeValue.fromN("1E3"))));
        put(dst, decimal);

        VerifyResult r = verify(src, dst, VerifyOptions.defaults());

        assertEquals("different", r.status());
        assertEquals(100_000, r.sourceItems());
        assertEquals(99_999, r.targetItems());
        assertEquals(3, r.missing());
        assertEquals(2, r.extra());
        assertEquals(4, r.different(), r.differentItems().toString());
        assertEquals(Set.of("k11", "k22222", "k99999"), r.missingKeys().stream().map(k -> k.get("pk").get("S").asText()).collect(Collectors.toSet()));
        assertEquals(Set.of("k200001", "k200002"), r.extraKeys().stream().map(k -> k.get("pk").get("S").asText()).collect(Collectors.toSet()));
        Map<String, List<String>> attributes = r.differentItems().stream()
                .collect(Collectors.toMap(d -> d.key().get("pk").get("S").asText(), KeyDifference::attributes));
        assertEquals(Map.of("k5", List.of("n"), "k50", List.of("address.city"), "k500", List.of("n"), "k5000", List.of("tags")), attributes);
        List<String> report = Files.readAllLines(dir.resolve("report.jsonl"));
        assertEquals(1 + 9, report.size(), "the report has the summary and every difference");
        assertTrue(Files.exists(dir.resolve(DynamoDbVerification.LAST_RESULT)));
        assertEquals(3, DynamoDbVerification.last(dir).orElseThrow().missing());
    }

    @Test
    void identicalTablesVerifyIdentical() {
        String src = LocalTables.uniqueName("same-src");
        String dst = LocalTables.uniqueName("same-dst");
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.create(client, SampleItems.plainTable(dst));
        SampleItems sample = new SampleItems(21, 0);
        LocalTables.load(client, src, 2_000, sample::item);
        LocalTables.load(client, dst, 2_000, sample::item);

        VerifyResult r = verify(src, dst, VerifyOptions.defaults());

        assertEquals("identical", r.status());
        assertEquals(0, r.bucketsMismatched());
        assertEquals(2_000, r.sourceItems());
        assertEquals(2_000, r.targetItems());
    }

    @Test
    void recheckSettlesWritesInFlightAndKeepsOnlyThePlantedDifferences() throws Exception {
        String src = LocalTables.uniqueName("live-src");
        String dst = LocalTables.uniqueName("live-dst");
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.create(client, SampleItems.plainTable(dst));
        LocalTables.load(client, src, 3_000, VerifyIT::item);
        LocalTables.load(client, dst, 3_000, VerifyIT::item);
        Map<String, AttributeValue> planted = item(42);
        planted.put("n", AttributeValue.fromN("-1"));
        put(dst, planted);
        client.deleteItem(b -> b.tableName(dst).key(key(43)));

        // A "replication" that writes the source first and the target 300 ms later, all through the verify.
        AtomicBoolean running = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            while (running.get()) {
                long i = 100 + ThreadLocalRandom.current().nextLong(2_800);
                Map<String, AttributeValue> changed = item(i);
                changed.put("n", AttributeValue.fromN(Long.toString(System.nanoTime())));
                put(src, changed);
                sleep(300);
                put(dst, changed);
            }
        });
        writer.start();
        VerifyResult r;
        try {
            sleep(500);
            r = verify(src, dst, VerifyOptions.defaults().withRecheck(true, Duration.ofMillis(800)));
        } finally {
            running.set(false);
            writer.join();
        }

        assertEquals(1, r.different(), r.toString());
        assertEquals(1, r.missing(), r.toString());
        assertEquals(0, r.extra(), r.toString());
        assertEquals("k42", r.differentItems().get(0).key().get("pk").get("S").asText());
        assertEquals("persistent", r.differentItems().get(0).recheck());
        assertEquals(2, r.recheck().persistent());
    }

    @Test
    void sampleModeFindsPlantedDifferencesAmongRandomKeys() {
        String src = LocalTables.uniqueName("sample-src");
        String dst = LocalTables.uniqueName("sample-dst");
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.create(client, SampleItems.plainTable(dst));
        LocalTables.load(client, src, 300, VerifyIT::item);
        LocalTables.load(client, dst, 300, VerifyIT::item);
        client.deleteItem(b -> b.tableName(dst).key(key(3)));
        put(dst, item(9_999));

        // Sampling more keys than the tables hold checks every one of them.
        VerifyResult r = verify(src, dst, VerifyOptions.defaults().withSample(1_000));

        assertEquals("sample", r.mode());
        assertEquals(1, r.missing());
        assertEquals(1, r.extra());
        assertEquals(0, r.different());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
