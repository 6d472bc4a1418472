package io.cutover.client;

import io.cutover.core.version.VersionAttribute;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One application of a cut-over test on the shared DynamoDB Local: a fresh source and target table (key pk, sk) and the
 * application registered at SOURCE_ONLY in a registry table shared by the JVM; items with a string {@code value}.
 */
public final class CutOverFixture {
    private static DynamoDbClient sharedClient;
    private static EndpointRegistry sharedRegistry;

    public final DynamoDbClient client;
    public final EndpointRegistry registry;
    public final String app;
    public final String source;
    public final String target;

    private CutOverFixture(DynamoDbClient client, EndpointRegistry registry) {
        this.client = client;
        this.registry = registry;
        this.app = LocalTables.uniqueName("app");
        this.source = LocalTables.uniqueName("src");
        this.target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        registry.register(app, StoreEndpoint.table(source), StoreEndpoint.table(target), null, null, "test", null);
    }

    /** A new application with its two tables; the client and registry live as long as the JVM. */
    public static synchronized CutOverFixture create() {
        if (sharedClient == null) {
            sharedClient = LocalTables.client(LocalTables.shared());
            sharedRegistry = new EndpointRegistry(sharedClient, LocalTables.uniqueName("registry")).ensureTable();
        }
        return new CutOverFixture(sharedClient, sharedRegistry);
    }

    /** Moves the application to {@code phase} in the registry (no gates). */
    public void moveTo(Phase phase) {
        RegistryEntry e = registry.require(app);
        registry.change(app, e.version(), phase, "test", "switch", null, false, Map.of(), List.of());
    }

    public static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"));
    }

    public static Map<String, AttributeValue> item(String id, String value) {
        Map<String, AttributeValue> item = new HashMap<>(key(id));
        item.put("value", AttributeValue.fromS(value));
        return item;
    }

    public Optional<String> valueIn(String table, String id) {
        return valueIn(client, table, id);
    }

    /** The item's value as the store would show it (a tombstone is absent), read strongly consistent from the table. */
    public static Optional<String> valueIn(DynamoDbClient client, String table, String id) {
        Map<String, AttributeValue> i = client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
        return i == null || i.isEmpty() || VersionAttribute.DEFAULT.isTombstone(i) ? Optional.empty() : Optional.of(i.get("value").s());
    }
}
