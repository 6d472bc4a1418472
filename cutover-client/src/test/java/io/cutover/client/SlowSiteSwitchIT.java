package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Issue 11, point 6: a phase switch must not stall every read and write behind a slow site's in-flight write. */
class SlowSiteSwitchIT {
    @TempDir
    Path dir;

    @Test
    void aSlowSecondaryDoesNotStallTheApplicationAtASwitch() throws Exception {
        DynamoDbClient client = LocalTables.client(LocalTables.shared());
        EndpointRegistry registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
        String app = LocalTables.uniqueName("app");
        String source = LocalTables.uniqueName("src");
        String target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        registry.register(app, StoreEndpoint.table(source), StoreEndpoint.table(target), null, null, "test", null);
        registry.change(app, 1, Phase.DUAL_WRITE, "test", "switch", null, false, Map.of(), List.of());
        FaultyStore slowTarget = new FaultyStore(DynamoDbStore.of(client, target));
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(client, source)).target(slowTarget)
                     .journalDir(dir).reportToRegistry(false).switchWait(Duration.ofMillis(200)).build()) {
            slowTarget.fault = FaultyStore.Fault.SLOW;
            Thread slowWrite = new Thread(() -> store.put(item("slow")), "slow-write");
            slowWrite.start();
            Thread.sleep(300); // the write is in flight, waiting on the slow target
            registry.change(app, 2, Phase.DUAL_WRITE_TARGET_READS, "test", "switch", null, false, Map.of(), List.of());
            long t0 = System.nanoTime();
            watcher.refresh(); // delivers the new phase to the store
            long switchMillis = (System.nanoTime() - t0) / 1_000_000;
            long r0 = System.nanoTime();
            store.get(key("other"));
            long readMillis = (System.nanoTime() - r0) / 1_000_000;
            assertTrue(switchMillis < 1500, "the switch waited " + switchMillis + " ms for the slow write (bound 200 ms)");
            assertTrue(readMillis < 1500, "a read waited " + readMillis + " ms behind the slow write");
            assertEquals(Phase.DUAL_WRITE, store.phase(), "the instance keeps the old phase while the slow write is in flight");
            assertEquals(1, store.deferredSwitches());
            slowTarget.fault = FaultyStore.Fault.NONE;
            slowWrite.join();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (store.phase() != Phase.DUAL_WRITE_TARGET_READS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(Phase.DUAL_WRITE_TARGET_READS, store.phase(), "and takes the new one once it finished");
            assertEquals("slow", store.get(key("slow")).orElseThrow().get("value").s());
        } finally {
            client.close();
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"));
    }

    private static Map<String, AttributeValue> item(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"), "value", AttributeValue.fromS(id));
    }
}
