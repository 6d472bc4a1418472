package io.cutover.control.walk;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.FaultyStore;
import io.cutover.client.MigratingStore;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Site;
import io.cutover.client.Store;
import io.cutover.client.VersionedStore;
import io.cutover.core.version.VersionAttribute;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The application of the failback oracle tests: one instance writing through {@code MigratingStore(source, target)} on
 * its own thread, each store wrapped in a {@link FaultyStore}, and the oracle: what it was told succeeded, key by key,
 * and the increments it was told landed. The operations come from a {@link Workload} (each store's items differ); the
 * faults are the application side's of {@code OracleIT}: the next operation's secondary write slow (a site slow during a
 * handover) or landing and then timing out (the ambiguous failure).
 */
public final class OracleApplication implements Runnable, AutoCloseable {
    /** One operation per call, told to {@code told} only once the store acknowledged it. Called on the application's thread. */
    @FunctionalInterface
    public interface Workload {
        void next(Random random, long seq, Store store, Told told);
    }

    /** The oracle's side of one operation. */
    public final class Told {
        public void put(Map<String, AttributeValue> key, String value) {
            expected.put(key, Optional.of(value));
        }

        public void delete(Map<String, AttributeValue> key) {
            expected.put(key, Optional.empty());
        }

        public void increment() {
            increments.incrementAndGet();
        }
    }

    public final Map<Map<String, AttributeValue>, Optional<String>> expected = new ConcurrentHashMap<>();
    public final AtomicLong increments = new AtomicLong();
    public final AtomicLong acknowledged = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();
    /** Operations that ran under each injected fault (a fault asked for and never met fails the walk). */
    public final AtomicLong slowed = new AtomicLong();
    public final AtomicLong ambiguous = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicBoolean slowNext = new AtomicBoolean();
    private final AtomicBoolean ambiguousNext = new AtomicBoolean();
    private volatile long slowMillis = 1500;
    private final RegistryWatcher watcher;
    private final FaultyStore source;
    private final FaultyStore target;
    private final MigratingStore store;
    private final Workload workload;
    private final Told told = new Told();

    public OracleApplication(VersionedStore source, VersionedStore target, EndpointRegistry registry, String app, Path journal,
                             Workload workload) {
        this.watcher = new RegistryWatcher(registry, app, Duration.ofMillis(100)).start();
        this.source = new FaultyStore(source);
        this.target = new FaultyStore(target);
        this.workload = workload;
        this.store = MigratingStore.builder().watcher(watcher).source(this.source).target(this.target).journalDir(journal)
                .instance("app-1").drainInterval(Duration.ofMillis(200)).build();
    }

    /** The next operation's secondary write takes {@code millis} before it is made. */
    public void slowNextSecondary(long millis) {
        slowMillis = millis;
        slowNext.set(true);
    }

    /** The next operation's secondary write lands, then the application sees a timeout. */
    public void ambiguousNextSecondary() {
        ambiguousNext.set(true);
    }

    public void pause() throws InterruptedException {
        paused.set(true);
        Thread.sleep(300); // the operation in flight ends
    }

    public void resume() {
        paused.set(false);
    }

    public void stop() {
        stop.set(true);
    }

    @Override
    public void run() {
        Random random = new Random(7);
        long seq = 0;
        while (!stop.get()) {
            if (paused.get()) {
                sleep(20);
                continue;
            }
            seq++;
            FaultyStore secondary = store.phase().secondary().map(s -> s == Site.SOURCE ? source : target).orElse(null);
            if (secondary != null && slowNext.compareAndSet(true, false)) {
                secondary.slowMillis = slowMillis;
                secondary.fault = FaultyStore.Fault.SLOW;
                slowed.incrementAndGet();
            } else if (secondary != null && ambiguousNext.compareAndSet(true, false)) {
                secondary.fault = FaultyStore.Fault.LAND_THEN_TIME_OUT;
                ambiguous.incrementAndGet();
            }
            try {
                workload.next(random, seq, store, told);
                acknowledged.incrementAndGet();
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                org.slf4j.LoggerFactory.getLogger(OracleApplication.class).warn("write failed", e);
            } finally {
                source.fault = FaultyStore.Fault.NONE;
                target.fault = FaultyStore.Fault.NONE;
            }
            sleep(5);
        }
    }

    /**
     * Every key whose visible value on a side differs from what the application was told, as lines naming the key, the
     * side and both values (empty when the sides equal the oracle).
     */
    public List<String> differences(List<? extends Store> sides, VersionAttribute version,
                                    Function<Map<String, AttributeValue>, String> valueOf) {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Map<String, AttributeValue>, Optional<String>> e : expected.entrySet()) {
            for (Store side : sides) {
                Optional<String> actual = side.get(e.getKey()).flatMap(version::visible).map(valueOf);
                if (!actual.equals(e.getValue())) {
                    wrong.add(e.getKey() + ": told " + e.getValue() + ", " + side.name() + " has " + actual);
                }
            }
        }
        return wrong;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        store.close();
        watcher.close();
    }
}
