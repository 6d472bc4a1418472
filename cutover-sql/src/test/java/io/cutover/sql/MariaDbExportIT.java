package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.CopyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.ExportLoader;
import io.cutover.dynamodb.SourceExporter;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlExportSource;
import io.cutover.sql.verify.SqlVerification;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@code cutover export} of a MariaDB table through a mapping (Ion, 4 key ranges), loaded with the export loader into
 * DynamoDB Local: {@code cutover verify} against the MariaDB table, through the same mapping, finds it identical; the
 * row whose key the mapping cannot build is dead-lettered and counted, not exported.
 */
class MariaDbExportIT {
    private static final Mapping MAPPING = Mapping.fromYaml("""
            mapping:
              partitionKey: { attribute: PK, template: "CUSTOMER#${customer}" }
              sortKey: { attribute: SK, template: "ORDER#${id}" }
              attributes:
                rename: { id: OrderId, customer: Customer, total: Total, placed_at: PlacedAt, note: Note }
              nulls: drop
            """, "orders.yaml");

    @TempDir
    Path dir;

    @Test
    void aMariaDbTableExportsThroughItsMappingAndLoadsIdentical() throws Exception {
        LocalDynamoDb dynamo = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(dynamo);
        try (MariaDbServer maria = MariaDbServer.start()) {
            SqlEndpoint endpoint = SqlEndpoint.parse(maria.createDatabase("shop"));
            maria.execute("shop", "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), total DECIMAL(12,2),"
                    + " placed_at DATETIME(6), note TEXT)");
            StringBuilder insert = new StringBuilder("INSERT INTO orders VALUES ");
            for (int i = 1; i <= 2_000; i++) {
                insert.append(i == 1 ? "" : ", ").append(String.format("(%d, 'c%d', %d.%02d, '2026-11-%02d 08:00:00.%06d', %s)", i, i % 97,
                        i * 7, i % 100, 1 + i % 28, i, i % 5 == 0 ? "NULL" : "'note " + i + "'"));
            }
            maria.execute("shop", insert.toString(), "INSERT INTO orders VALUES (9999, NULL, 1.00, NULL, 'no customer')");

            SourceExporter.Settings settings = new SourceExporter.Settings(ExportLocation.parse("--to", dir.resolve("exp").toString()),
                    DynamoDbEndpoint.local("export", dynamo.endpoint()), ExportFormat.ION, Optional.of(4), 2, 0,
                    Optional.of(dir.resolve("state")), false);
            ExportResult exported;
            try (SourceExporter exporter = new SourceExporter(settings, CopyProgress.NONE);
                 SqlExportSource source = new SqlExportSource(endpoint, "orders", MAPPING, 300)) {
                exported = exporter.run(source);
            }
            assertEquals("completed", exported.status(), exported.toString());
            assertEquals(2_000, exported.items());
            assertEquals(1, exported.deadLettered(), "the row without a customer has no key: " + exported);
            assertEquals(4, exported.files(), "one file per key range");

            String target = LocalTables.uniqueName("maria-export");
            LocalTables.create(client, software.amazon.awssdk.services.dynamodb.model.CreateTableRequest.builder().tableName(target)
                    .keySchema(KeySchemaElement.builder().attributeName("PK").keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName("SK").keyType(KeyType.RANGE).build())
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("PK").attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName("SK").attributeType(ScalarAttributeType.S).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST).build());
            CopySettings load = CopySettings.builder(DynamoDbEndpoint.local("source", dynamo.endpoint()),
                    DynamoDbEndpoint.local("target", dynamo.endpoint())).table(target, target).stateDir(dir.resolve("load")).build();
            try (ExportLoader loader = new ExportLoader(load, target, ExportLocation.parse("--from-export", exported.location()),
                    DynamoDbEndpoint.local("export", dynamo.endpoint()), CopyProgress.NONE)) {
                CopyResult loaded = loader.run();
                assertEquals(2_000, loaded.items(), loaded.toString());
            }
            maria.execute("shop", "DELETE FROM orders WHERE id = 9999"); // the dead-lettered row is in neither side now
            try (SqlVerification verify = new SqlVerification(endpoint, "orders", MAPPING, DynamoDbEndpoint.local("target", dynamo.endpoint()), 8)) {
                SqlVerification.Result r = verify.run(target, VerifyOptions.defaults(), null, CopyProgress.NONE, dir.resolve("verify"));
                assertTrue(r.identical(), r.toString());
                assertEquals(2_000, r.verify().targetItems());
            }
        }
    }
}
