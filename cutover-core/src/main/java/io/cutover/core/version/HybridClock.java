package io.cutover.core.version;

import java.util.function.LongSupplier;

/**
 * Hands out increasing {@link Version}s for one instance: the wall clock when it moves forward, a
 * counter otherwise, and never behind a version it has {@link #observe observed} (a newer version
 * found on a store, written by an instance whose clock runs ahead). So the versions one key receives
 * increase even across instances with skewed clocks, as long as each write observes the stored version
 * first (a conditional write that failed tells it).
 *
 * <p>Thread-safe; {@link #next} and {@link #observe} never block on I/O.
 */
public final class HybridClock {
    private final String instance;
    private final LongSupplier wallMillis;
    private long millis;
    private int counter = -1;

    public HybridClock(String instance, LongSupplier wallMillis) {
        this.instance = instance;
        this.wallMillis = wallMillis;
        new Version(0, 0, instance); // validates the instance id now, not at the first write
    }

    public HybridClock(String instance) {
        this(instance, System::currentTimeMillis);
    }

    public String instance() {
        return instance;
    }

    /** A version of epoch 0 newer than every version this clock handed out or observed. */
    public Version next() {
        return next(0);
    }

    /** A version in {@code epoch} (the registry version of the writer's phase) whose clock part is newer than every one handed out or observed. */
    public synchronized Version next(long epoch) {
        long wall = wallMillis.getAsLong();
        if (wall > millis) {
            millis = wall;
            counter = 0;
        } else if (counter < Version.MAX_COUNTER) {
            counter++;
        } else {
            millis++;
            counter = 0;
        }
        return new Version(epoch, millis, counter, instance);
    }

    /** Makes every later {@link #next} newer than {@code seen} (the encoded version read from a store). */
    public synchronized void observe(String seen) {
        if (seen == null) {
            return;
        }
        Version v = Version.parse(seen);
        if (v.millis() > millis || v.millis() == millis && v.counter() >= counter) {
            millis = v.millis();
            counter = v.counter();
        }
    }
}
