package io.cutover.client;

import static io.cutover.client.CutOverFixture.item;
import static io.cutover.client.CutOverFixture.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.local.LocalTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Issue 11, points 2 and 3: a crash or an ambiguous failure between the two writes loses nothing (the intent is durable
 * before the primary write), and a replay that runs after a switch never copies a frozen site over a newer value.
 */
class WriteAheadIntentIT {
    private CutOverFixture f;
    private DynamoDbClient client;
    private EndpointRegistry registry;
    private String app;
    private String source;
    private String target;

    @TempDir
    Path dir;

    @BeforeEach
    void tables() {
        f = CutOverFixture.create();
        client = f.client;
        registry = f.registry;
        app = f.app;
        source = f.source;
        target = f.target;
    }

    @Test
    void killNineBetweenTheTwoWritesLosesNothing() throws Exception {
        moveTo(Phase.DUAL_WRITE);
        Path journal = dir.resolve("journal");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), CrashBetweenWrites.class.getName(), LocalTables.shared().endpoint().toString(),
                registry.table(), app, source, target, journal.toString(), "crashed").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the instance ended");
        assertEquals(137, child.exitValue(), "the instance died between its two writes");
        assertEquals(Optional.of("acked?"), valueIn(source, "crashed"), "the primary took the write");
        assertEquals(Optional.empty(), valueIn(target, "crashed"), "the secondary did not");

        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore restarted = store(watcher, journal, DynamoDbStore.of(client, source), DynamoDbStore.of(client, target))) {
            assertEquals(1, restarted.stats().pendingTarget(), "the intent survived the crash");
            restarted.drainOnce();
            assertEquals(0, restarted.stats().pendingTarget());
        }
        assertEquals(Optional.of("acked?"), valueIn(target, "crashed"));
    }

    @Test
    void aPrimaryWriteThatTimedOutButLandedReachesTheSecondary() {
        moveTo(Phase.DUAL_WRITE_TARGET_READS);
        FaultyStore primary = new FaultyStore(DynamoDbStore.of(client, target));
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore store = store(watcher, dir.resolve("j"), DynamoDbStore.of(client, source), primary)) {
            primary.fault = FaultyStore.Fault.LAND_THEN_TIME_OUT;
            assertThrows(CutoverException.class, () -> store.put(item("ambiguous", "landed")));
            primary.fault = FaultyStore.Fault.NONE;
            assertEquals(Optional.of("landed"), valueIn(target, "ambiguous"));
            assertEquals(1, store.stats().pendingSource(), "the intent stays: the write may have landed");
            store.drainOnce();
            assertEquals(0, store.stats().pendingSource());
        }
        assertEquals(Optional.of("landed"), valueIn(source, "ambiguous"), "the source holds what the target holds");
    }

    @Test
    void aReplayAfterTheSwitchNeverCopiesTheFrozenSourceOverNewerTargetValues() {
        moveTo(Phase.DUAL_WRITE);
        FaultyStore targetOfA = new FaultyStore(DynamoDbStore.of(client, target));
        try (RegistryWatcher watcherA = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             RegistryWatcher watcherB = new RegistryWatcher(registry, app, Duration.ofSeconds(30)).start();
             MigratingStore a = store(watcherA, dir.resolve("a"), DynamoDbStore.of(client, source), targetOfA);
             MigratingStore b = store(watcherB, dir.resolve("b"), DynamoDbStore.of(client, source), DynamoDbStore.of(client, target))) {
            targetOfA.fault = FaultyStore.Fault.FAIL;
            a.put(item("k", "old")); // acknowledged: the target owes it in A's journal
            targetOfA.fault = FaultyStore.Fault.NONE;
            assertEquals(1, a.stats().pendingTarget());
            moveTo(Phase.DUAL_WRITE_TARGET_READS);
            moveTo(Phase.TARGET_ONLY);
            watcherB.refresh();
            watcherA.refresh(); // A took the phase but has not drained yet (its drainer runs hourly here)
            b.put(item("k", "new")); // TARGET_ONLY: the source is frozen at "old"
            a.drainOnce();
            assertEquals(0, a.stats().pendingTarget());
            assertEquals("new", a.get(key("k")).orElseThrow().get("value").s());
            assertEquals(1, a.olderRefused(), "the replay was refused by the version rule");
        }
        assertEquals(Optional.of("new"), valueIn(target, "k"), "the frozen source must not overwrite the newer target value");
    }

    private MigratingStore store(RegistryWatcher watcher, Path journal, VersionedStore src, VersionedStore tgt) {
        return MigratingStore.builder().watcher(watcher).source(src).target(tgt).journalDir(journal).drainInterval(Duration.ofHours(1))
                .reportToRegistry(false).build();
    }

    private void moveTo(Phase phase) {
        f.moveTo(phase);
    }

    private Optional<String> valueIn(String table, String id) {
        return f.valueIn(table, id);
    }
}
