package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.PointInTimeRecovery;
import io.cutover.dynamodb.RestoredTableSettings;
import io.cutover.dynamodb.SourceTable;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PutScalingPolicyRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.RegisterScalableTargetRequest;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TagResourceRequest;

/**
 * {@code restore --native} on DynamoDB Local, which has no point-in-time recovery: the re-apply step is tested directly
 * (a table as a native restore leaves it gets the source's stream, TTL and deletion protection; the tag and autoscaling
 * requests, which DynamoDB Local cannot serve, are checked as an interceptor recorded them), and the command itself
 * fails with UNSUPPORTED, exit 3.
 */
class NativeRestoreIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;
    static DynamoDbEndpoint side;

    /** Records every request the clients send. */
    static final class Recorder implements ExecutionInterceptor {
        final List<SdkRequest> requests = new CopyOnWriteArrayList<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            requests.add(context.request());
        }

        <T> List<T> of(Class<T> type) {
            return requests.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
        side = DynamoDbEndpoint.local("target", db.endpoint());
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    private static void table(String name, boolean withSettings) {
        client.createTable(b -> {
            b.tableName(name).billingMode(BillingMode.PROVISIONED).provisionedThroughput(p -> p.readCapacityUnits(5L).writeCapacityUnits(5L))
                    .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S));
            if (withSettings) {
                b.streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)).deletionProtectionEnabled(true);
            }
        });
        if (withSettings) {
            client.updateTimeToLive(b -> b.tableName(name).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
        }
    }

    @Test
    void reappliesStreamTtlDeletionProtectionAndSendsTagsAndAutoscalingForTheRestoredTable() {
        String src = LocalTables.uniqueName("native-src");
        String restored = LocalTables.uniqueName("native-restored");
        table(src, true);
        table(restored, false); // as RestoreTableToPointInTime leaves it: keys, indexes and throughput, none of the rest
        Recorder recorder = new Recorder();
        try (DynamoDbClient dynamoDb = DynamoDbClients.create(side, 4, recorder);
             ApplicationAutoScalingClient autoScaling = DynamoDbClients.createAutoScaling(side, recorder)) {
            RestoredTableSettings settings = new RestoredTableSettings(dynamoDb, autoScaling, side, RetryPolicy.defaults());
            RestoredTableSettings.Source read = settings.read(src);
            assertEquals(Optional.of("expiresAt"), read.table().ttlAttribute());
            assertTrue(read.table().warnings().stream().anyMatch(w -> w.contains("autoscaling")), read.table().warnings().toString());
            // what DynamoDB Local cannot hold (tags, autoscaling) is given as the service would have read it
            ScalableTarget writes = ScalableTarget.builder().serviceNamespace(ServiceNamespace.DYNAMODB).resourceId("table/" + src)
                    .scalableDimension(ScalableDimension.DYNAMODB_TABLE_WRITE_CAPACITY_UNITS).minCapacity(5).maxCapacity(500).build();
            ScalingPolicy policy = ScalingPolicy.builder().policyName("writes-70").serviceNamespace(ServiceNamespace.DYNAMODB)
                    .resourceId("table/" + src).scalableDimension(ScalableDimension.DYNAMODB_TABLE_WRITE_CAPACITY_UNITS)
                    .policyType(PolicyType.TARGET_TRACKING_SCALING).targetTrackingScalingPolicyConfiguration(t -> t.targetValue(70.0)
                            .predefinedMetricSpecification(m -> m.predefinedMetricType(MetricType.DYNAMO_DB_WRITE_CAPACITY_UTILIZATION))).build();
            RestoredTableSettings.Source source = new RestoredTableSettings.Source(new SourceTable(read.table().description(),
                    read.table().ttlAttribute(), List.of(Tag.builder().key("team").value("orders").build()), List.of()), List.of(writes),
                    List.of(policy));

            RestoredTableSettings.Result result = settings.apply(source, restored);

            TableDescription d = client.describeTable(b -> b.tableName(restored)).table();
            assertTrue(d.streamSpecification() != null && d.streamSpecification().streamEnabled(), "stream: " + d.streamSpecification());
            assertEquals(StreamViewType.NEW_AND_OLD_IMAGES, d.streamSpecification().streamViewType());
            assertEquals(Boolean.TRUE, d.deletionProtectionEnabled());
            var ttl = client.describeTimeToLive(b -> b.tableName(restored)).timeToLiveDescription();
            assertEquals("expiresAt", ttl.attributeName());
            assertEquals("ENABLED", ttl.timeToLiveStatusAsString());
            assertTrue(result.applied().containsAll(List.of("stream NEW_AND_OLD_IMAGES", "TTL on expiresAt", "deletion protection")),
                    result.toString());

            TagResourceRequest tag = recorder.of(TagResourceRequest.class).get(0);
            assertEquals(d.tableArn(), tag.resourceArn());
            assertEquals(List.of(Tag.builder().key("team").value("orders").build()), tag.tags());
            RegisterScalableTargetRequest target = recorder.of(RegisterScalableTargetRequest.class).get(0);
            assertEquals("table/" + restored, target.resourceId());
            assertEquals(ScalableDimension.DYNAMODB_TABLE_WRITE_CAPACITY_UNITS, target.scalableDimension());
            assertEquals(5, target.minCapacity());
            assertEquals(500, target.maxCapacity());
            PutScalingPolicyRequest put = recorder.of(PutScalingPolicyRequest.class).get(0);
            assertEquals("table/" + restored, put.resourceId());
            assertEquals("writes-70", put.policyName());
            assertEquals(70.0, put.targetTrackingScalingPolicyConfiguration().targetValue());
            assertEquals(3, result.warnings().size(), "DynamoDB Local refuses the tags, the target and the policy: " + result.warnings());
            assertTrue(result.warnings().stream().allMatch(w -> w.contains("DynamoDB Local")), result.warnings().toString());

            RestoredTableSettings.Result again = settings.apply(source, restored);
            assertTrue(again.applied().stream().noneMatch(a -> a.startsWith("stream") || a.startsWith("TTL") || a.startsWith("deletion")),
                    "a rerun does not set again what the table has: " + again);
        } finally {
            client.updateTable(b -> b.tableName(src).deletionProtectionEnabled(false));
        }
    }

    @Test
    void nativeRestoreOnDynamoDbLocalIsUnsupportedWithExitThree() {
        String src = LocalTables.uniqueName("native-only");
        table(src, false);
        CliRun r = CliRun.of("restore", "--native", "--endpoint-url", db.endpoint().toString(), "--source-table", src,
                "--target-table", src + "-restored", "--to-time", "2026-12-01T10:15:30Z");
        assertEquals(3, r.exitCode(), r.all());
        assertTrue(r.err().contains("unsupported") && r.err().contains("does not support") && r.err().contains("DynamoDB Local") && !r.err().contains("\tat "), r.all());
        assertTrue(client.listTables().tableNames().stream().noneMatch((src + "-restored")::equals), "nothing was created");
        System.out.println(r.err());

        Optional<String> pitr = PointInTimeRecovery.enable(client, side, src, RetryPolicy.forDuration(Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(500)));
        assertTrue(pitr.isPresent() && pitr.get().contains("DynamoDB Local"), "migrate --enable-pitr warns and carries on: " + pitr);
    }

    @Test
    void nativeFlagsAreCheckedBeforeAnyServer() {
        CliRun withArchive = CliRun.of("restore", "--native", "--archive", "/tmp/a", "--source-table", "orders", "--target-table", "orders-r");
        assertEquals(2, withArchive.exitCode(), withArchive.all());
        assertTrue(withArchive.err().contains("drop --archive"), withArchive.all());
        CliRun noSource = CliRun.of("restore", "--native", "--target-table", "orders-r", "--to-position", "12");
        assertEquals(2, noSource.exitCode(), noSource.all());
        assertTrue(noSource.err().contains("--source-table") && noSource.err().contains("--to-position"), noSource.all());
        CliRun noArchive = CliRun.of("restore", "--target-table", "orders-r", "--to-time", "2026-12-01T10:15:30Z");
        assertEquals(2, noArchive.exitCode(), noArchive.all());
        assertTrue(noArchive.err().contains("--archive"), noArchive.all());
        CliRun pitrMongo = CliRun.of("migrate", "--source", "mongodb://127.0.0.1:1/shop", "--source-collection", "orders",
                "--key-attribute", "id", "--target-table", "orders", "--enable-pitr");
        assertEquals(2, pitrMongo.exitCode(), pitrMongo.all());
        assertTrue(pitrMongo.err().contains("--enable-pitr"), pitrMongo.all());
    }
}
