package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.version.VersionAttribute;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class MigratingStoreIT {
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private String app;
    private String source;
    private String target;

    @TempDir
    Path journals;

    @BeforeAll
    static void start() {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    @BeforeEach
    void tables() {
        app = LocalTables.uniqueName("app");
        source = LocalTables.uniqueName("src");
        target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        registry.register(app, StoreEndpoint.table(source), StoreEndpoint.table(target), null, null, "test", null);
    }

    private MigratingStore store(RegistryWatcher watcher, boolean shadow, Duration drain) {
        return MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(client, source)).target(DynamoDbStore.of(client, target))
                .journalDir(journals).shadowReads(shadow).drainInterval(drain).build();
    }

    private void moveTo(Phase phase, MigratingStore store, RegistryWatcher watcher) {
        RegistryEntry e = registry.require(app);
        registry.change(app, e.version(), phase, "test", "switch", null, false, Map.of(), List.of());
        watcher.refresh();
        assertEquals(phase, store.phase());
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(id));
        item.put("sk", AttributeValue.fromS("x"));
        item.put("value", AttributeValue.fromS(value));
        return item;
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"));
    }

    private Optional<String> valueIn(String table, String id) {
        Map<String, AttributeValue> i = client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
        // A delete through the store leaves a versioned tombstone: absent for everyone reading through the store.
        return i == null || i.isEmpty() || VersionAttribute.DEFAULT.isTombstone(i) ? Optional.empty() : Optional.of(i.get("value").s());
    }

    @Test
    void routesReadsAndWritesByPhaseAtRunTime() {
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = store(watcher, false, Duration.ofSeconds(1))) {
            store.put(item("a", "1"));
            assertEquals(Optional.of("1"), valueIn(source, "a"));
            assertEquals(Optional.empty(), valueIn(target, "a"), "SOURCE_ONLY writes the source only");

            moveTo(Phase.DUAL_WRITE, store, watcher);
            store.put(item("b", "2"));
            assertEquals(Optional.of("2"), valueIn(source, "b"));
            assertEquals(Optional.of("2"), valueIn(target, "b"));
            client.putItem(p -> p.tableName(target).item(item("b", "target-only")));
            assertEquals("2", store.get(key("b")).orElseThrow().get("value").s(), "DUAL_WRITE reads the source");

            moveTo(Phase.DUAL_WRITE_TARGET_READS, store, watcher);
            assertEquals("target-only", store.get(key("b")).orElseThrow().get("value").s(), "then reads move to the target");
            Map<String, AttributeValue> updated = store.update(key("b"), new Store.Update("SET #v = :v", Map.of("#v", "value"),
                    Map.of(":v", AttributeValue.fromS("3"))));
            assertEquals("3", updated.get("value").s());
            assertEquals(Optional.of("3"), valueIn(source, "b"), "the secondary gets the whole updated item");

            moveTo(Phase.TARGET_ONLY, store, watcher);
            store.put(item("c", "4"));
            store.delete(key("b"));
            assertEquals(Optional.empty(), valueIn(source, "c"), "TARGET_ONLY writes the target only");
            assertEquals(Optional.of("3"), valueIn(source, "b"));
            assertEquals(Optional.empty(), valueIn(target, "b"));
            assertEquals(3, store.stats().phaseChanges());
        }
    }

    @Test
    void aFailedSecondaryWriteIsJournaledSurvivesARestartAndDrainsWhenTheTargetIsBack() throws Exception {
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start()) {
            try (MigratingStore store = store(watcher, false, Duration.ofHours(1))) {
                moveTo(Phase.DUAL_WRITE, store, watcher);
                store.put(item("before", "0"));
                client.deleteTable(b -> b.tableName(target)); // the secondary becomes unavailable
                for (int i = 0; i < 20; i++) {
                    store.put(item("k" + i, "v" + i));
                }
                store.put(item("k0", "v0-again"));
                store.delete(key("k1"));
                store.delete(key("before"));
                store.update(key("k2"), new Store.Update("SET #v = :v", Map.of("#v", "value"), Map.of(":v", AttributeValue.fromS("v2-updated"))));
                MigratingStoreStats s = store.stats();
                assertEquals(25, s.writes(), "every write was acknowledged (one before the target went away)");
                assertTrue(s.secondaryFailures() >= 1, s.toString());
                assertEquals(24, s.secondaryFailures() + s.journaledBehind() , s.toString());
                assertEquals(24, s.pendingTarget(), s.toString());
            }
            LocalTables.create(client, SampleItems.plainTable(target)); // back, empty
            try (MigratingStore store = store(watcher, false, Duration.ofMillis(100))) {
                waitFor(() -> store.stats().pendingTarget() == 0);
                assertEquals(24, store.journalCounts(Site.TARGET).drained());
            }
        }
        assertEquals(Optional.of("v0-again"), valueIn(target, "k0"));
        assertEquals(Optional.empty(), valueIn(target, "k1"), "a delete is a delete");
        assertEquals(Optional.of("v2-updated"), valueIn(target, "k2"));
        assertEquals(Optional.of("v19"), valueIn(target, "k19"));
        assertEquals(Optional.empty(), valueIn(target, "before"));
        for (int i = 3; i < 20; i++) {
            assertEquals(valueIn(source, "k" + i), valueIn(target, "k" + i));
        }
    }

    @Test
    void aNewPrimaryWithPendingEntriesIsRepairedBeforeItIsRead() {
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = store(watcher, false, Duration.ofHours(1))) {
            moveTo(Phase.DUAL_WRITE, store, watcher);
            client.deleteTable(b -> b.tableName(target));
            store.put(item("late", "acknowledged"));
            assertEquals(1, store.stats().pendingTarget());
            LocalTables.create(client, SampleItems.plainTable(target));
            moveTo(Phase.DUAL_WRITE_TARGET_READS, store, watcher); // the drainer has not run: the target lacks the write
            assertEquals("acknowledged", store.get(key("late")).orElseThrow().get("value").s(),
                    "a read must never return a value older than an acknowledged write");
            assertEquals(0, store.stats().pendingTarget());
            assertTrue(store.stats().repairs() >= 1);
        }
    }

    @Test
    void shadowReadsCountMismatchesWithoutFailingTheRead() {
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = store(watcher, true, Duration.ofSeconds(1))) {
            moveTo(Phase.DUAL_WRITE, store, watcher);
            store.put(item("same", "1"));
            store.put(item("diff", "1"));
            client.putItem(p -> p.tableName(target).item(item("diff", "drifted")));
            assertEquals("1", store.get(key("same")).orElseThrow().get("value").s());
            assertEquals("1", store.get(key("diff")).orElseThrow().get("value").s());
            assertEquals(2, store.stats().shadowReads());
            assertEquals(1, store.stats().shadowMismatches());
        }
    }

    @Test
    void journalFilesLiveInTheGivenDirectory() {
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = store(watcher, false, Duration.ofSeconds(1))) {
            assertTrue(Files.exists(journals.resolve("missed-by-target.db")));
            assertTrue(Files.exists(journals.resolve("missed-by-source.db")));
            assertEquals(Phase.SOURCE_ONLY, store.phase());
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(50);
        }
    }
}
