package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code migrate --backfill export}: an export older than capture is refused; one taken after capture started is loaded
 * instead of a Scan, the change log covers the rest, and the tables end identical. A fresh DynamoDB Local child process
 * (a stream test).
 */
class ExportBackfillMigrationIT {
    @TempDir
    Path dir;
    LocalDynamoDb db;
    DynamoDbClient client;
    final String src = "exp-mig-source";
    final String dst = "exp-mig-target";

    @BeforeEach
    void freshServer() {
        db = LocalDynamoDb.startChildProcess();
        client = LocalTables.client(db);
        LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
        LocalTables.load(client, src, 2_000, new SampleItems(31, 50)::item);
    }

    @AfterEach
    void stop() {
        client.close();
        db.close();
    }

    private ExportResult export(Path to) {
        DynamoDbExporter.Settings s = new DynamoDbExporter.Settings(DynamoDbEndpoint.local("source", db.endpoint()), src,
                ExportLocation.parse("--to", to.toString()), DynamoDbEndpoint.local("export", db.endpoint()), ExportFormat.DYNAMODB_JSON,
                Optional.of(3), 3, 0, 1000);
        try (DynamoDbExporter e = new DynamoDbExporter(s, CopyProgress.NONE)) {
            return e.run();
        }
    }

    private MigrationStatus migrate(Path export, String until) {
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                DynamoDbEndpoint.local("target", db.endpoint())).table(src, dst).stateDir(dir.resolve("state")).build();
        try (DynamoDbMigration m = new DynamoDbMigration(settings, src, dst, false)) {
            m.backfillFromExport(new DynamoDbMigration.ExportBackfill(Optional.of(ExportLocation.parse("--export", export.toString())),
                    Optional.empty(), DynamoDbEndpoint.local("export", db.endpoint())));
            return m.run(until, CopyProgress.NONE, s -> { });
        }
    }

    private void put(String pk, int v) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(pk));
        item.put("sk", AttributeValue.fromS("s"));
        item.put("v", AttributeValue.fromN(Integer.toString(v)));
        client.putItem(b -> b.tableName(src).item(item));
    }

    private void delete(long i) {
        Map<String, AttributeValue> item = new SampleItems(31, 50).item(i);
        client.deleteItem(b -> b.tableName(src).key(Map.of("pk", item.get("pk"), "sk", item.get("sk"))));
    }

    @Test
    void refusesAnExportOlderThanCaptureThenLoadsANewerOneAndEndsIdentical() throws Exception {
        export(dir.resolve("old"));
        Thread.sleep(20);
        CutoverException refused = assertThrows(CutoverException.class, () -> migrate(dir.resolve("old"), "drained"));
        assertEquals(ErrorCode.CONFIG_INVALID, refused.code());
        assertTrue(refused.getMessage().contains("before this migration's capture started"), refused.getMessage());
        assertTrue(Files.exists(dir.resolve("state").resolve(DynamoDbMigration.CAPTURE_STARTED_FILE)));

        // Capture is running from here on: changes before the export, the export, changes after it.
        for (int i = 0; i < 50; i++) {
            put("before#" + i, i);
            delete(i);
        }
        ExportResult fresh = export(dir.resolve("new"));
        for (int i = 0; i < 50; i++) {
            put("before#" + i, 1000 + i);
            put("after#" + i, i);
            delete(100 + i);
        }
        MigrationStatus status = migrate(dir.resolve("new"), "drained");
        assertEquals("IN_SYNC", status.phase(), status.toString());
        assertEquals(fresh.items(), status.backfillItems(), "the backfill loaded the export, not a Scan");
        TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
        assertTrue(cmp.identical(), cmp.toString());
        assertEquals(2_000 + 100 - 100, cmp.targetItems());
    }
}
