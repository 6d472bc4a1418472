package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, point 6: a phase switch must not stall every read and write behind a slow site's in-flight write. */
class SlowSiteSwitchIT {
    @TempDir
    Path dir;

    @Test
    void aSlowSecondaryDoesNotStallTheApplicationAtASwitch() throws Exception {
        CutOverFixture f = CutOverFixture.create();
        f.moveTo(Phase.DUAL_WRITE);
        FaultyStore slowTarget = new FaultyStore(DynamoDbStore.of(f.client, f.target));
        try (RegistryWatcher watcher = new RegistryWatcher(f.registry, f.app, Duration.ofSeconds(30)).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(f.client, f.source)).target(slowTarget)
                     .journalDir(dir).reportToRegistry(false).switchWait(Duration.ofMillis(200)).build()) {
            slowTarget.fault = FaultyStore.Fault.SLOW;
            Thread slowWrite = new Thread(() -> store.put(CutOverFixture.item("slow", "slow")), "slow-write");
            slowWrite.start();
            Thread.sleep(300); // the write is in flight, waiting on the slow target
            f.moveTo(Phase.DUAL_WRITE_TARGET_READS);
            long t0 = System.nanoTime();
            watcher.refresh(); // delivers the new phase to the store
            long switchMillis = (System.nanoTime() - t0) / 1_000_000;
            long r0 = System.nanoTime();
            store.get(CutOverFixture.key("other"));
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
            assertEquals("slow", store.get(CutOverFixture.key("slow")).orElseThrow().get("value").s());
        }
    }
}
