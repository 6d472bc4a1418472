package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 11, point 1: the running migration must never overwrite the application's newer write on the target with a late
 * stream record of an older one. The migration is stopped while the source receives v1 and the application (in
 * DUAL_WRITE_TARGET_READS, target first) writes v2 to the target only; then the migration resumes and applies the late v1.
 */
class VersionedApplyIT {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    @TempDir
    Path state;

    @Test
    void aLateStreamRecordOfAnOlderVersionNeverMovesTheTargetBackwards() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess(); DynamoDbClient client = LocalTables.client(db)) {
            String src = "late-source";
            String dst = "late-target";
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
            client.putItem(b -> b.tableName(src).item(item("legacy", "before", null)));
            CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                    DynamoDbEndpoint.local("target", db.endpoint())).table(src, dst).stateDir(state).build();
            try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, dst, false)) {
                assertEquals("IN_SYNC", migration.run("in-sync", CopyProgress.NONE, s -> { }).phase());
            }
            HybridClock clock = new HybridClock("app-1");
            Version v1 = clock.next();
            Version v2 = clock.next();
            Version v3 = clock.next();
            Version v4 = clock.next();
            // The source gets v1 (its stream record will be late); the application already wrote v2 on the target.
            client.putItem(b -> b.tableName(src).item(item("k", "v1", v1)));
            client.putItem(b -> b.tableName(dst).item(item("k", "v2", v2)));
            // A key the application deleted on the target (tombstone v3) after the source took v1.
            client.putItem(b -> b.tableName(src).item(item("gone", "v1", v1)));
            client.putItem(b -> b.tableName(dst).item(V.tombstoneOf(key("gone"), v3)));
            // A write made outside the store (no version) must not overwrite a versioned value.
            client.putItem(b -> b.tableName(src).item(item("legacy", "outside", null)));
            client.putItem(b -> b.tableName(dst).item(item("legacy", "versioned", v2)));
            // A newer source value still lands.
            client.putItem(b -> b.tableName(dst).item(item("fresh", "old", v1)));
            client.putItem(b -> b.tableName(src).item(item("fresh", "new", v4)));

            try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, dst, false)) {
                migration.run("drained", CopyProgress.NONE, s -> { });
            }
            assertEquals("v2", value(client, dst, "k"), "the late v1 must not replace the application's v2");
            assertEquals(v2.encoded(), V.versionOf(get(client, dst, "k")).orElseThrow());
            assertTrue(V.isTombstone(get(client, dst, "gone")), "the late v1 must not bring back a deleted key");
            assertEquals("versioned", value(client, dst, "legacy"));
            assertEquals("new", value(client, dst, "fresh"), "a newer version lands");
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"));
    }

    private static Map<String, AttributeValue> item(String id, String value, Version version) {
        Map<String, AttributeValue> item = new HashMap<>(key(id));
        item.put("value", AttributeValue.fromS(value));
        return version == null ? item : V.stamp(item, version);
    }

    private static Map<String, AttributeValue> get(DynamoDbClient client, String table, String id) {
        return client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
    }

    private static String value(DynamoDbClient client, String table, String id) {
        AttributeValue v = get(client, table, id).get("value");
        return v == null ? null : v.s();
    }
}
