package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 11: the application's own guarded writes (insert-only, optimistic locking, transactions) through the store in
 * every phase: the condition is evaluated on the site of record, its failure is what the application sees and writes
 * nothing anywhere, and the other site receives the outcome.
 */
class GuardedWritesIT {
    private static DynamoDbClient client;
    private static EndpointRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    @ParameterizedTest
    @EnumSource(Phase.class)
    void conditionsAreEvaluatedOnTheSiteOfRecordAndTheOtherSiteGetsTheOutcome(Phase phase) {
        String app = LocalTables.uniqueName("app");
        String source = LocalTables.uniqueName("src");
        String target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        registry.register(app, StoreEndpoint.table(source), StoreEndpoint.table(target), null, null, "test", null);
        long version = 1;
        for (Phase p : Phase.values()) {
            if (p == Phase.SOURCE_ONLY) {
                continue;
            }
            if (p.ordinal() > phase.ordinal()) {
                break;
            }
            registry.change(app, version++, p, "test", "switch", null, false, Map.of(), List.of());
        }
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(client, source))
                     .target(DynamoDbStore.of(client, target)).journalDir(dir).reportToRegistry(false).build()) {
            assertEquals(phase, store.phase());
            Store.Condition insertOnly = new Store.Condition("attribute_not_exists(pk)", null, null);
            store.putIf(item("a", 1), insertOnly);
            CutoverException taken = assertThrows(CutoverException.class, () -> store.putIf(item("a", 2), insertOnly));
            assertEquals(ErrorCode.CONDITION_FAILED, taken.code());
            assertEquals(Optional.of("1"), rev(store, "a"));

            Store.Condition atRev1 = new Store.Condition("#r = :r", Map.of("#r", "rev"), Map.of(":r", AttributeValue.fromN("1")));
            Store.Update bump = new Store.Update("SET #r = :n", Map.of("#r", "rev"), Map.of(":n", AttributeValue.fromN("2")));
            assertEquals("2", store.updateIf(key("a"), bump, atRev1).get("rev").n());
            CutoverException stale = assertThrows(CutoverException.class, () -> store.updateIf(key("a"), bump, atRev1));
            assertEquals(ErrorCode.CONDITION_FAILED, stale.code(), "optimistic locking: the second writer at rev 1 loses");

            store.deleteIf(key("a"), new Store.Condition("#r = :r", Map.of("#r", "rev"), Map.of(":r", AttributeValue.fromN("2"))));
            assertEquals(Optional.empty(), store.get(key("a")));
            store.putIf(item("a", 7), insertOnly); // a deleted item counts as absent for the application's condition
            assertEquals(Optional.of("7"), rev(store, "a"));

            store.put(item("b", 1));
            store.put(item("d", 1));
            Store.Condition bExists = new Store.Condition("attribute_exists(pk)", null, null);
            CutoverException cancelled = assertThrows(CutoverException.class, () -> store.transact(List.of(
                    new Store.Put(item("c", 1), insertOnly),
                    new Store.Change(key("b"), new Store.Update("ADD #r :one", Map.of("#r", "rev"), Map.of(":one", AttributeValue.fromN("1"))), null),
                    new Store.Check(key("nobody"), bExists))));
            assertEquals(ErrorCode.CONDITION_FAILED, cancelled.code(), cancelled.getMessage());
            assertEquals(Optional.empty(), store.get(key("c")), "all or nothing");
            assertEquals(Optional.of("1"), rev(store, "b"));
            store.transact(List.of(
                    new Store.Put(item("c", 1), insertOnly),
                    new Store.Change(key("b"), new Store.Update("ADD #r :one", Map.of("#r", "rev"), Map.of(":one", AttributeValue.fromN("1"))), null),
                    new Store.Delete(key("a"), null),
                    new Store.Check(key("d"), bExists)));
            assertEquals(Optional.of("2"), rev(store, "b"));
            assertEquals(Optional.of("1"), rev(store, "c"));
            assertEquals(Optional.empty(), store.get(key("a")));
            assertEquals(0, store.stats().pendingSource() + store.stats().pendingTarget(), "no intent outlives its write");

            String primary = phase.primary() == Site.SOURCE ? source : target;
            String secondary = phase.primary() == Site.SOURCE ? target : source;
            for (String id : List.of("a", "b", "c")) {
                Map<String, AttributeValue> onPrimary = raw(primary, id);
                assertEquals(phase.secondary().isPresent() ? onPrimary : Map.of(), raw(secondary, id),
                        id + ": the other site holds the outcome in a dual-write phase, nothing otherwise");
            }
        }
    }

    private static Optional<String> rev(MigratingStore store, String id) {
        return store.get(key(id)).map(i -> i.get("rev").n());
    }

    private static Map<String, AttributeValue> raw(String table, String id) {
        Map<String, AttributeValue> i = client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
        return i == null ? Map.of() : i;
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"));
    }

    private static Map<String, AttributeValue> item(String id, int rev) {
        Map<String, AttributeValue> item = new HashMap<>(key(id));
        item.put("rev", AttributeValue.fromN(Integer.toString(rev)));
        return item;
    }
}
