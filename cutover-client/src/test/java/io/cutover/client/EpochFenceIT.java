package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Decision 0075: a read-modify-write that ran on the old site of record while another instance already wrote the key
 * on the new one (the switch of the site of record reaches instances at different moments, and a slow site defers it)
 * is done again under the new phase, so no acknowledged increment is lost on either site.
 */
class EpochFenceIT {
    @TempDir
    Path dir;

    private static final Store.Update INCREMENT = new Store.Update("ADD #n :one", Map.of("#n", "n"), Map.of(":one", AttributeValue.fromN("1")));

    @Test
    void anIncrementMadeOnTheOldSiteOfRecordAfterTheSwitchIsDoneAgainOnTheNewOne() throws Exception {
        CutOverFixture f = CutOverFixture.create();
        f.moveTo(Phase.DUAL_WRITE);
        FaultyStore slowTarget = new FaultyStore(DynamoDbStore.of(f.client, f.target));
        slowTarget.slowMillis = 1500;
        try (RegistryWatcher watcherA = new RegistryWatcher(f.registry, f.app, Duration.ofSeconds(30)).start();
             RegistryWatcher watcherB = new RegistryWatcher(f.registry, f.app, Duration.ofSeconds(30)).start();
             MigratingStore a = MigratingStore.builder().watcher(watcherA).source(DynamoDbStore.of(f.client, f.source)).target(slowTarget)
                     .journalDir(dir.resolve("a")).instance("a").reportToRegistry(false).switchWait(Duration.ofMillis(200)).build();
             MigratingStore b = MigratingStore.builder().watcher(watcherB).source(DynamoDbStore.of(f.client, f.source))
                     .target(DynamoDbStore.of(f.client, f.target)).journalDir(dir.resolve("b")).instance("b").reportToRegistry(false).build()) {
            slowTarget.fault = FaultyStore.Fault.SLOW;
            AtomicReference<Throwable> failed = new AtomicReference<>();
            // a increments on the source (the site of record of DUAL_WRITE); its write to the target is slow...
            Thread incrementA = new Thread(() -> {
                try {
                    a.update(CutOverFixture.key("counter"), INCREMENT);
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "increment-a");
            incrementA.start();
            Thread.sleep(400);
            // ...meanwhile the site of record moves to the target, b takes it at once and increments there.
            f.moveTo(Phase.DUAL_WRITE_TARGET_READS);
            watcherB.refresh();
            assertEquals(Phase.DUAL_WRITE_TARGET_READS, b.phase());
            b.update(CutOverFixture.key("counter"), INCREMENT);
            incrementA.join(30_000);
            assertEquals(null, failed.get(), "a's increment was acknowledged");

            assertEquals("2", counter(f, f.target), "both acknowledged increments are on the new site of record");
            assertEquals("2", counter(f, f.source), "and on the old one, which received the new site's result");
            assertEquals(1, a.epochRedos(), "a's increment ran behind the switch and was done again under the new phase");
            assertEquals(Phase.DUAL_WRITE_TARGET_READS, a.phase(), "a took the new phase to do it");
            assertTrue(b.epochRedos() == 0);
        }
    }

    private static String counter(CutOverFixture f, String table) {
        return f.client.getItem(r -> r.tableName(table).consistentRead(true).key(CutOverFixture.key("counter"))).item().get("n").n();
    }
}
