package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.result.CopyPlan;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.TableCopyResult;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** {@code cutover copy} against a real DynamoDB Local on a loopback port. */
class DynamoDbCopyIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;

    @TempDir
    Path state;

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
    }

    private CopySettings.Builder settings() {
        return CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .stateDir(state);
    }

    private static CopyResult copy(CopySettings settings) {
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, CopyProgress.NONE, List.of())) {
            return copier.run();
        }
    }

    private static void assertIdentical(String source, String target, long expectedItems) {
        TableComparison.Result cmp = TableComparison.compare(client, source, client, target);
        assertTrue(cmp.identical(), "tables differ: " + cmp);
        assertEquals(expectedItems, cmp.sourceItems());
        assertEquals(expectedItems, cmp.targetItems());
    }

    @Test
    void copiesEveryTypeExactly() {
        String src = LocalTables.uniqueName("types");
        String dst = src + "-copy";
        SampleItems sample = new SampleItems(3, 0);
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 5_020, sample::item);

        CopyResult result = copy(settings().table(src, dst).build());

        assertEquals("completed", result.status());
        assertEquals(5_020, result.items());
        assertIdentical(src, dst, 5_020);
        // Beyond equality by value: each special item is stored exactly, string for string.
        for (long i : new long[] {0, 1, 2, 3, 4, 5, 6, 7, 11, 1007}) {
            Map<String, AttributeValue> key = Map.of("pk", sample.item(i).get("pk"), "sk", sample.item(i).get("sk"));
            Map<String, AttributeValue> a = client.getItem(b -> b.tableName(src).key(key).consistentRead(true)).item();
            Map<String, AttributeValue> b = client.getItem(r -> r.tableName(dst).key(key).consistentRead(true)).item();
            assertEquals(CanonicalItem.of(sample.item(i)), CanonicalItem.of(b), "item " + i + " differs from what was written");
            assertEquals(DynamoDbJson.write(new java.util.TreeMap<>(a)).length(), DynamoDbJson.write(new java.util.TreeMap<>(b)).length());
        }
        Map<String, AttributeValue> precise = client.getItem(b -> b.tableName(dst).consistentRead(true)
                .key(Map.of("pk", sample.item(0).get("pk"), "sk", sample.item(0).get("sk")))).item();
        assertEquals("1234567890123456789012345678901234567.8", precise.get("precise").n());
        Map<String, AttributeValue> big = client.getItem(b -> b.tableName(dst).consistentRead(true)
                .key(Map.of("pk", sample.item(11).get("pk"), "sk", sample.item(11).get("sk")))).item();
        assertEquals(300 * 1024, big.get("big").s().length());
        Map<String, AttributeValue> empty = client.getItem(b -> b.tableName(dst).consistentRead(true)
                .key(Map.of("pk", sample.item(2).get("pk"), "sk", sample.item(2).get("sk")))).item();
        assertEquals("", empty.get("empty").s());
    }

    @Test
    void copiesTableDefinitionWithIndexesTtlBillingAndStream() {
        String src = LocalTables.uniqueName("schema");
        String dst = src + "-copy";
        CreateTableRequest request = SampleItems.ordersTable(src).toBuilder()
                .billingMode(BillingMode.PROVISIONED)
                .provisionedThroughput(p -> p.readCapacityUnits(7L).writeCapacityUnits(9L))
                .globalSecondaryIndexes(SampleItems.ordersTable(src).globalSecondaryIndexes().stream()
                        .map(g -> g.toBuilder().provisionedThroughput(p -> p.readCapacityUnits(3L).writeCapacityUnits(4L)).build())
                        .toList())
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES))
                .deletionProtectionEnabled(true)
                .build();
        LocalTables.create(client, request);
        client.updateTimeToLive(b -> b.tableName(src).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));

        CopyResult result = copy(settings().table(src, dst).schemaOnly(true).build());

        TableCopyResult table = result.tables().get(0);
        assertEquals("created", table.schemaAction());
        assertEquals(0, table.items());
        assertTrue(table.warnings().stream().anyMatch(w -> w.contains("tagging")), "expected a tagging warning: " + table.warnings());
        TableDescription s = client.describeTable(b -> b.tableName(src)).table();
        TableDescription t = client.describeTable(b -> b.tableName(dst)).table();
        assertEquals(DynamoDbTableDefinitions.keySignature(s), DynamoDbTableDefinitions.keySignature(t));
        assertEquals(BillingMode.PROVISIONED, DynamoDbTableDefinitions.billingMode(t));
        assertEquals(7L, t.provisionedThroughput().readCapacityUnits());
        assertEquals(9L, t.provisionedThroughput().writeCapacityUnits());
        GlobalSecondaryIndexDescription gsi = t.globalSecondaryIndexes().get(0);
        assertEquals("byStatus", gsi.indexName());
        assertEquals(ProjectionType.KEYS_ONLY, gsi.projection().projectionType());
        assertEquals(4L, gsi.provisionedThroughput().writeCapacityUnits());
        assertEquals(s.globalSecondaryIndexes().get(0).keySchema(), gsi.keySchema());
        assertEquals("byTotal", t.localSecondaryIndexes().get(0).indexName());
        assertEquals(List.of("status"), t.localSecondaryIndexes().get(0).projection().nonKeyAttributes());
        assertEquals(StreamViewType.NEW_AND_OLD_IMAGES, t.streamSpecification().streamViewType());
        assertEquals(Boolean.TRUE, t.deletionProtectionEnabled());
        assertEquals("expiresAt", client.describeTimeToLive(b -> b.tableName(dst)).timeToLiveDescription().attributeName());
    }

    @Test
    void copiesEveryTableMatchingARenamePrefix() {
        String run = LocalTables.uniqueName("r");
        List<String> sources = List.of("prod-" + run + "-a", "prod-" + run + "-b");
        String other = "other-" + run;
        SampleItems sample = new SampleItems(5, 0, false);
        for (String t : sources) {
            LocalTables.create(client, SampleItems.plainTable(t));
            LocalTables.load(client, t, 300, sample::item);
        }
        LocalTables.create(client, SampleItems.plainTable(other));

        CopyResult result = copy(settings().renamePrefix("prod-" + run, "test-" + run).build());

        assertEquals(2, result.tables().size());
        assertEquals(600, result.items());
        assertIdentical(sources.get(0), "test-" + run + "-a", 300);
        assertIdentical(sources.get(1), "test-" + run + "-b", 300);
        assertFalse(client.listTables().tableNames().stream().anyMatch(t -> t.startsWith("test-other")));
    }

    @Test
    void refusesAnIncompatibleTargetBeforeWritingAnyTable() {
        String run = LocalTables.uniqueName("keys");
        String fine = run + "-fine";
        String other = run + "-other";
        String wrong = run + "-wrong";
        for (String t : List.of(fine, other)) {
            LocalTables.create(client, SampleItems.plainTable(t));
            LocalTables.load(client, t, 50, new SampleItems(1, 0, false)::item);
        }
        LocalTables.create(client, CreateTableRequest.builder().tableName(wrong)
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.N))
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)).billingMode(BillingMode.PAY_PER_REQUEST).build());

        // "fine" sorts first and could be copied; the whole run is refused before it is.
        CopySettings settings = settings().table(fine, fine + "-copy").table(other, wrong).build();
        CutoverException e = assertThrows(CutoverException.class, () -> copy(settings));

        assertEquals(ErrorCode.TARGET_INCOMPATIBLE, e.code());
        assertTrue(e.getMessage().contains("(id HASH N)") && e.getMessage().contains("(pk HASH S, sk RANGE S)"), e.getMessage());
        assertEquals(0, client.scan(b -> b.tableName(wrong)).count());
        assertFalse(client.listTables().tableNames().contains(fine + "-copy"), "nothing may be created when any table is refused");
    }

    @Test
    void reusesACompatibleTargetAndDryRunChangesNothing() {
        String src = LocalTables.uniqueName("reuse");
        String dst = src + "-copy";
        String absent = src + "-absent";
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.create(client, SampleItems.plainTable(dst));
        LocalTables.load(client, src, 200, new SampleItems(2, 0, false)::item);

        CopyPlan plan;
        try (DynamoDbCopier copier = new DynamoDbCopier(settings().table(src, absent).build(), CopyProgress.NONE, List.of())) {
            plan = copier.plan();
        }
        assertTrue(plan.ok());
        assertEquals("create", plan.tables().get(0).targetAction());
        assertFalse(client.listTables().tableNames().contains(absent), "a dry run must not create tables");

        CopyResult result = copy(settings().table(src, dst).build());
        assertEquals("reused", result.tables().get(0).schemaAction());
        assertIdentical(src, dst, 200);
    }

    @Test
    void deadLettersItemsTheTargetRejectsAndWritesTheRest() throws Exception {
        String src = LocalTables.uniqueName("reject");
        String dst = src + "-copy";
        LocalTables.create(client, SampleItems.plainTable(src));
        // The existing target indexes "status" as a number; items whose status is a string cannot go in.
        LocalTables.create(client, SampleItems.plainTable(dst).toBuilder()
                .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("sk").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("status").attributeType(ScalarAttributeType.N))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byStatus")
                        .keySchema(k -> k.attributeName("status").keyType(KeyType.HASH))
                        .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY)).build()).build());
        SampleItems sample = new SampleItems(9, 0, false);
        LocalTables.load(client, src, 100, i -> {
            Map<String, AttributeValue> item = new java.util.HashMap<>(sample.item(i));
            item.put("status", i % 10 == 0 ? AttributeValue.fromN(Long.toString(i)) : AttributeValue.fromS("S" + i));
            return item;
        });

        CopyResult result = copy(settings().table(src, dst).build());

        assertEquals("completed_with_dead_letters", result.status());
        assertEquals(10, result.items());
        assertEquals(90, result.deadLettered());
        assertEquals(10, client.scan(b -> b.tableName(dst)).count());
        List<String> lines = Files.readAllLines(Path.of(result.deadLetterFile()));
        assertEquals(90, lines.size());
        JsonNode letter = new ObjectMapper().readTree(lines.get(0));
        assertEquals(dst, letter.get("table").asText());
        assertTrue(letter.get("reason").asText().toLowerCase().contains("type mismatch"), letter.get("reason").asText());
        Map<String, AttributeValue> kept = DynamoDbJson.readItem(letter.get("item"));
        assertTrue(kept.get("status").s().startsWith("S"), "the dead letter keeps the item exactly");
    }

    @Test
    void resumesFromCheckpointsAfterAFailedRunAndEndsIdentical() {
        String src = LocalTables.uniqueName("resume");
        String dst = src + "-copy";
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 4_000, new SampleItems(4, 200, false)::item);
        CopySettings settings = settings().table(src, dst).segments(4).parallelism(4).scanPageSize(100).build();

        // Stop the first run part-way through; checkpoints stay behind.
        AtomicReference<DynamoDbCopier> running = new AtomicReference<>();
        AtomicLong seen = new AtomicLong();
        CopyProgress stopAfterAThousand = new CopyProgress() {
            @Override
            public void acknowledged(String unitId, long items, long bytes) {
                if (seen.addAndGet(items) > 1_000) {
                    running.get().requestStop();
                }
            }
        };
        CopyResult first;
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, stopAfterAThousand, List.of())) {
            running.set(copier);
            first = copier.run();
        }
        assertEquals("stopped", first.status());
        assertTrue(first.items() >= 1_000 && first.items() < 4_000, "first run copied " + first.items());

        CopyResult second = copy(settings);
        assertEquals("completed", second.status());
        assertTrue(second.tables().get(0).resumedItems() >= 1_000, "second run resumed " + second.tables().get(0).resumedItems());
        assertTrue(second.items() < 4_000, "the resumed run must not copy everything again: " + second.items());
        assertIdentical(src, dst, 4_000);
    }

    @Test
    void writeCapacityPercentLimitsWritesToAProvisionedTargetAndWarnsOnDemand() {
        String src = LocalTables.uniqueName("wcu");
        String provisioned = src + "-prov";
        String onDemand = src + "-ondemand";
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 100, new SampleItems(6, 0, false)::item);
        LocalTables.create(client, SampleItems.plainTable(provisioned).toBuilder().billingMode(BillingMode.PROVISIONED)
                .provisionedThroughput(p -> p.readCapacityUnits(5L).writeCapacityUnits(40L)).build());
        LocalTables.create(client, SampleItems.plainTable(onDemand));

        CopyPlan plan;
        try (DynamoDbCopier copier = new DynamoDbCopier(settings().table(src, provisioned).writeCapacityPercent(50)
                .maxWriteRate(1000).build(), CopyProgress.NONE, List.of())) {
            plan = copier.plan();
        }
        // Items under 1 KB cost one WCU each: 50% of 40 WCU is 20 items/s, below --max-write-rate.
        assertEquals(20.0, plan.tables().get(0).writeRateLimit(), 0.001);

        try (DynamoDbCopier copier = new DynamoDbCopier(settings().table(src, onDemand).writeCapacityPercent(50).build(),
                CopyProgress.NONE, List.of())) {
            plan = copier.plan();
        }
        assertEquals(0.0, plan.tables().get(0).writeRateLimit());
        assertTrue(plan.tables().get(0).warnings().stream().anyMatch(w -> w.contains("on-demand")), plan.toString());
    }
}
