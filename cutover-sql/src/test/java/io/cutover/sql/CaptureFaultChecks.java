package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.local.LocalDynamoDb;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** What the capture fault tests of both sources share: a run, a look at one item, the full compare. */
final class CaptureFaultChecks {
    private CaptureFaultChecks() {
    }

    /** One migrate run until {@code until}; "drained" finishes. {@code beforeCaptureBatch} slows capture down (or does nothing). */
    static MigrationStatus run(SqlMigrationSettings settings, String until, Runnable beforeCaptureBatch) {
        try (SqlMigration migration = new SqlMigration(settings)) {
            migration.beforeCaptureBatch(beforeCaptureBatch);
            return migration.run(until, "drained".equals(until), CopyProgress.NONE, s -> { });
        }
    }

    /** The target's item under partition key attribute "pk", or an empty map. */
    static Map<String, AttributeValue> item(DynamoDbClient client, String target, String pk) {
        return client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS(pk)))).item();
    }

    static void assertIdentical(SqlMigrationSettings settings, long expected, Path state, LocalDynamoDb dynamo, DynamoDbClient client) {
        SqlTable table = new SqlTable(settings.source(), settings.sourceTable());
        VerifyResult result = PostgresMigrationIT.verify(table, settings.mapping().bind(table.schema()), settings.targetTable(), state, dynamo, client)
                .result();
        assertTrue(result.identical(), "identical: " + result);
        assertEquals(expected, result.targetItems());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
