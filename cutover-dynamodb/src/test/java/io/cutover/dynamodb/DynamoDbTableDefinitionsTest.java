package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.BillingModeSummary;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputDescription;
import software.amazon.awssdk.services.dynamodb.model.SSEDescription;
import software.amazon.awssdk.services.dynamodb.model.SSEType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableClass;
import software.amazon.awssdk.services.dynamodb.model.TableClassSummary;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

class DynamoDbTableDefinitionsTest {

    private static KeySchemaElement hash(String name) {
        return KeySchemaElement.builder().attributeName(name).keyType(KeyType.HASH).build();
    }

    private static KeySchemaElement range(String name) {
        return KeySchemaElement.builder().attributeName(name).keyType(KeyType.RANGE).build();
    }

    private static AttributeDefinition attr(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static ProvisionedThroughputDescription throughput(long rcu, long wcu) {
        return ProvisionedThroughputDescription.builder().readCapacityUnits(rcu).writeCapacityUnits(wcu)
                .numberOfDecreasesToday(0L).build();
    }

    private static final List<AttributeDefinition> ATTRIBUTES = List.of(attr("pk", ScalarAttributeType.S),
            attr("sk", ScalarAttributeType.N), attr("gsi1pk", ScalarAttributeType.S), attr("lsi1sk", ScalarAttributeType.B));
    private static final List<KeySchemaElement> KEYS = List.of(hash("pk"), range("sk"));
    private static final Projection ALL = Projection.builder().projectionType(ProjectionType.ALL).build();
    private static final Projection INCLUDE = Projection.builder().projectionType(ProjectionType.INCLUDE)
            .nonKeyAttributes("name", "email").build();

    /** What DescribeTable returns for a table with every reproducible setting. */
    private static TableDescription.Builder described(BillingMode mode, long rcu, long wcu, long gsiRcu, long gsiWcu) {
        return TableDescription.builder()
                .tableName("orders")
                .tableArn("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")
                .tableStatus(TableStatus.ACTIVE)
                .attributeDefinitions(ATTRIBUTES)
                .keySchema(KEYS)
                .billingModeSummary(BillingModeSummary.builder().billingMode(mode).build())
                .provisionedThroughput(throughput(rcu, wcu))
                .globalSecondaryIndexes(GlobalSecondaryIndexDescription.builder()
                        .indexName("by-gsi1")
                        .keySchema(hash("gsi1pk"), range("sk"))
                        .projection(INCLUDE)
                        .provisionedThroughput(throughput(gsiRcu, gsiWcu))
                        .indexStatus(IndexStatus.ACTIVE)
                        .indexArn("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by-gsi1")
                        .itemCount(10L)
                        .build())
                .localSecondaryIndexes(LocalSecondaryIndexDescription.builder()
                        .indexName("by-lsi1")
                        .keySchema(hash("pk"), range("lsi1sk"))
                        .projection(ALL)
                        .indexArn("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by-lsi1")
                        .build())
                .streamSpecification(StreamSpecification.builder().streamEnabled(true)
                        .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build())
                .deletionProtectionEnabled(true)
                .itemCount(10L)
                .tableSizeBytes(2048L);
    }

    private static SourceTable source(TableDescription d) {
        return new SourceTable(d, Optional.empty(), List.of(), List.of());
    }

    @Test
    void createRequestReproducesAProvisionedTable() {
        TableDescription d = described(BillingMode.PROVISIONED, 5, 7, 3, 4).build();

        CreateTableRequest r = DynamoDbTableDefinitions.createRequest(source(d), "orders_copy");

        assertEquals("orders_copy", r.tableName());
        assertEquals(KEYS, r.keySchema());
        assertEquals(ATTRIBUTES, r.attributeDefinitions());
        assertEquals(BillingMode.PROVISIONED, r.billingMode());
        assertEquals(5L, r.provisionedThroughput().readCapacityUnits());
        assertEquals(7L, r.provisionedThroughput().writeCapacityUnits());

        assertEquals(1, r.globalSecondaryIndexes().size());
        GlobalSecondaryIndex gsi = r.globalSecondaryIndexes().get(0);
        assertEquals("by-gsi1", gsi.indexName());
        assertEquals(List.of(hash("gsi1pk"), range("sk")), gsi.keySchema());
        assertEquals(INCLUDE, gsi.projection());
        assertEquals(3L, gsi.provisionedThroughput().readCapacityUnits());
        assertEquals(4L, gsi.provisionedThroughput().writeCapacityUnits());

        assertEquals(1, r.localSecondaryIndexes().size());
        LocalSecondaryIndex lsi = r.localSecondaryIndexes().get(0);
        assertEquals("by-lsi1", lsi.indexName());
        assertEquals(List.of(hash("pk"), range("lsi1sk")), lsi.keySchema());
        assertEquals(ALL, lsi.projection());

        assertEquals(Boolean.TRUE, r.streamSpecification().streamEnabled());
        assertEquals(StreamViewType.NEW_AND_OLD_IMAGES, r.streamSpecification().streamViewType());
        assertEquals(Boolean.TRUE, r.deletionProtectionEnabled());
    }

    @Test
    void createRequestOfAnOnDemandTableHasNoProvisionedThroughputAnywhere() {
        // DescribeTable reports 0/0 throughput on on-demand tables and their GSIs; CreateTable rejects it.
        TableDescription d = described(BillingMode.PAY_PER_REQUEST, 0, 0, 0, 0).build();

        CreateTableRequest r = DynamoDbTableDefinitions.createRequest(source(d), "orders_copy");

        assertEquals(BillingMode.PAY_PER_REQUEST, r.billingMode());
        assertNull(r.provisionedThroughput());
        assertEquals(1, r.globalSecondaryIndexes().size());
        assertNull(r.globalSecondaryIndexes().get(0).provisionedThroughput());
        assertEquals("by-gsi1", r.globalSecondaryIndexes().get(0).indexName());
        assertEquals(1, r.localSecondaryIndexes().size());
    }

    @Test
    void createRequestLeavesOutSettingsTheSourceDoesNotUse() {
        TableDescription d = TableDescription.builder()
                .tableName("plain")
                .attributeDefinitions(attr("id", ScalarAttributeType.S))
                .keySchema(hash("id"))
                .billingModeSummary(BillingModeSummary.builder().billingMode(BillingMode.PAY_PER_REQUEST).build())
                .streamSpecification(StreamSpecification.builder().streamEnabled(false).build())
                .deletionProtectionEnabled(false)
                .build();

        CreateTableRequest r = DynamoDbTableDefinitions.createRequest(source(d), "plain_copy");

        assertEquals(List.of(hash("id")), r.keySchema());
        assertEquals(List.of(attr("id", ScalarAttributeType.S)), r.attributeDefinitions());
        assertFalse(r.hasGlobalSecondaryIndexes(), "no GSIs");
        assertFalse(r.hasLocalSecondaryIndexes(), "no LSIs");
        assertNull(r.streamSpecification(), "a disabled stream is not specified");
        assertNull(r.deletionProtectionEnabled());
        assertNull(r.tableClass());
        assertNull(r.sseSpecification());
    }

    @Test
    void createRequestKeepsInfrequentAccessClassAndKmsEncryption() {
        TableDescription d = described(BillingMode.PAY_PER_REQUEST, 0, 0, 0, 0)
                .tableClassSummary(TableClassSummary.builder().tableClass(TableClass.STANDARD_INFREQUENT_ACCESS).build())
                .sseDescription(SSEDescription.builder().sseType(SSEType.KMS)
                        .kmsMasterKeyArn("arn:aws:kms:eu-west-1:123456789012:key/abc").build())
                .build();

        CreateTableRequest r = DynamoDbTableDefinitions.createRequest(source(d), "orders_copy");

        assertEquals(TableClass.STANDARD_INFREQUENT_ACCESS, r.tableClass());
        assertEquals(Boolean.TRUE, r.sseSpecification().enabled());
        assertEquals(SSEType.KMS, r.sseSpecification().sseType());
        assertNull(r.sseSpecification().kmsMasterKeyId(), "the source account's key is not carried over");
    }

    @Test
    void incompatibilityIsEmptyForTheSameKeys() {
        TableDescription source = described(BillingMode.PROVISIONED, 5, 5, 1, 1).build();
        TableDescription target = TableDescription.builder().tableName("orders_copy")
                .attributeDefinitions(attr("sk", ScalarAttributeType.N), attr("pk", ScalarAttributeType.S))
                .keySchema(range("sk"), hash("pk"))
                .build();

        assertEquals(Optional.empty(), DynamoDbTableDefinitions.incompatibility(source, target));
    }

    @Test
    void incompatibilityNamesBothKeySignaturesWhenTheKeysDiffer() {
        TableDescription source = described(BillingMode.PROVISIONED, 5, 5, 1, 1).build();
        TableDescription target = TableDescription.builder().tableName("orders_copy")
                .attributeDefinitions(attr("id", ScalarAttributeType.S))
                .keySchema(hash("id"))
                .build();

        Optional<String> problem = DynamoDbTableDefinitions.incompatibility(source, target);

        assertTrue(problem.isPresent());
        assertTrue(problem.get().contains("(pk HASH S, sk RANGE N)"), problem.get());
        assertTrue(problem.get().contains("(id HASH S)"), problem.get());
        assertTrue(problem.get().contains("orders_copy"), problem.get());
        assertTrue(problem.get().contains("--target-table"), "says how to fix it: " + problem.get());
    }

    @Test
    void sameKeyNamesWithDifferentTypesAreIncompatible() {
        TableDescription source = TableDescription.builder().tableName("a")
                .attributeDefinitions(attr("id", ScalarAttributeType.S)).keySchema(hash("id")).build();
        TableDescription target = TableDescription.builder().tableName("b")
                .attributeDefinitions(attr("id", ScalarAttributeType.N)).keySchema(hash("id")).build();

        Optional<String> problem = DynamoDbTableDefinitions.incompatibility(source, target);

        assertTrue(problem.isPresent());
        assertTrue(problem.get().contains("(id HASH S)") && problem.get().contains("(id HASH N)"), problem.get());
    }

    @Test
    void swappedHashAndRangeKeysAreIncompatible() {
        TableDescription source = TableDescription.builder().tableName("a")
                .attributeDefinitions(attr("x", ScalarAttributeType.S), attr("y", ScalarAttributeType.S))
                .keySchema(hash("x"), range("y")).build();
        TableDescription target = TableDescription.builder().tableName("b")
                .attributeDefinitions(attr("x", ScalarAttributeType.S), attr("y", ScalarAttributeType.S))
                .keySchema(hash("y"), range("x")).build();

        assertTrue(DynamoDbTableDefinitions.incompatibility(source, target).isPresent());
    }

    @Test
    void keySignatureListsHashThenRangeWithTypes() {
        TableDescription d = TableDescription.builder()
                .attributeDefinitions(attr("ts", ScalarAttributeType.N), attr("id", ScalarAttributeType.S))
                .keySchema(range("ts"), hash("id")).build();

        assertEquals("(id HASH S, ts RANGE N)", DynamoDbTableDefinitions.keySignature(d));
    }

    @Test
    void differencesNameIndexesThatDoNotMatch() {
        TableDescription source = described(BillingMode.PROVISIONED, 5, 5, 1, 1).build();
        TableDescription target = source.toBuilder().tableName("orders_copy").globalSecondaryIndexes(List.of())
                .localSecondaryIndexes(List.of()).build();

        List<String> differences = DynamoDbTableDefinitions.differences(source, target);

        assertEquals(2, differences.size(), differences.toString());
        assertTrue(differences.get(0).contains("by-gsi1"), differences.toString());
        assertTrue(differences.get(1).contains("by-lsi1"), differences.toString());
        assertEquals(List.of(), DynamoDbTableDefinitions.differences(source, source));
    }

    @Test
    void billingModeComesFromTheSummaryWhenPresent() {
        TableDescription onDemand = TableDescription.builder()
                .billingModeSummary(BillingModeSummary.builder().billingMode(BillingMode.PAY_PER_REQUEST).build())
                .provisionedThroughput(throughput(5, 5)).build();
        TableDescription provisioned = TableDescription.builder()
                .billingModeSummary(BillingModeSummary.builder().billingMode(BillingMode.PROVISIONED).build())
                .provisionedThroughput(throughput(0, 0)).build();

        assertEquals(BillingMode.PAY_PER_REQUEST, DynamoDbTableDefinitions.billingMode(onDemand));
        assertEquals(BillingMode.PROVISIONED, DynamoDbTableDefinitions.billingMode(provisioned));
    }

    @Test
    void billingModeWithoutSummaryFallsBackToTheThroughput() {
        // Tables created before on-demand existed have no billing mode summary.
        TableDescription withCapacity = TableDescription.builder().provisionedThroughput(throughput(10, 5)).build();
        TableDescription zeroCapacity = TableDescription.builder().provisionedThroughput(throughput(0, 0)).build();
        TableDescription nothing = TableDescription.builder().build();
        TableDescription nullCapacity = TableDescription.builder()
                .provisionedThroughput(ProvisionedThroughputDescription.builder().build()).build();

        assertEquals(BillingMode.PROVISIONED, DynamoDbTableDefinitions.billingMode(withCapacity));
        assertEquals(BillingMode.PAY_PER_REQUEST, DynamoDbTableDefinitions.billingMode(zeroCapacity));
        assertEquals(BillingMode.PAY_PER_REQUEST, DynamoDbTableDefinitions.billingMode(nothing));
        assertEquals(BillingMode.PAY_PER_REQUEST, DynamoDbTableDefinitions.billingMode(nullCapacity));
    }

    @Test
    void billingModeUnknownToThisSdkOrEmptySummaryFallsBackToTheThroughput() {
        TableDescription future = TableDescription.builder()
                .billingModeSummary(BillingModeSummary.builder().billingMode("SOME_FUTURE_MODE").build())
                .provisionedThroughput(throughput(3, 3)).build();
        TableDescription emptySummary = TableDescription.builder()
                .billingModeSummary(BillingModeSummary.builder().build())
                .provisionedThroughput(throughput(0, 0)).build();

        assertEquals(BillingMode.PROVISIONED, DynamoDbTableDefinitions.billingMode(future));
        assertEquals(BillingMode.PAY_PER_REQUEST, DynamoDbTableDefinitions.billingMode(emptySummary));
    }

    @Test
    void createRequestOfAnOldProvisionedTableWithoutSummaryKeepsItsCapacity() {
        TableDescription d = described(BillingMode.PROVISIONED, 8, 9, 2, 3).billingModeSummary((BillingModeSummary) null).build();

        CreateTableRequest r = DynamoDbTableDefinitions.createRequest(source(d), "orders_copy");

        assertEquals(BillingMode.PROVISIONED, r.billingMode());
        assertEquals(8L, r.provisionedThroughput().readCapacityUnits());
        assertEquals(9L, r.provisionedThroughput().writeCapacityUnits());
        assertEquals(2L, r.globalSecondaryIndexes().get(0).provisionedThroughput().readCapacityUnits());
    }
}
