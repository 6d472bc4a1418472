package io.cutover.core.throttle;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * An adaptive rate limiter for items per second, shared by every thread that writes to (or reads
 * from) one table.
 *
 * <p>It starts at the configured ceiling (or unlimited). When the service throttles, the rate drops
 * to half of what was actually achieved over the last second (multiplicative decrease; throttles less
 * than 200 ms after the previous one count as the same wave); each second without a throttle it climbs
 * back by 10% of the ceiling, or, with no ceiling, by 10% of the current rate (at least 10 items/s),
 * until it reaches the ceiling again; with no ceiling the limit is lifted after 30 quiet seconds. That keeps a copy just under
 * what the table can take without a hand-tuned number (docs/decisions/0005-adaptive-throttle.md).
 *
 * <p>Thread-safe. {@link #acquire} blocks the caller until its items may go.
 */
public final class Throttle {
    private static final double UNLIMITED = Double.POSITIVE_INFINITY;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final double MIN_RATE = 1.0;
    private static final long SLICE = TimeUnit.MILLISECONDS.toNanos(100);

    private final double ceiling;
    private final LongSupplier clock;
    private double rate;
    private long nextFree;
    private long windowStart;
    private long windowCount;
    private double lastWindowRate;
    private long lastThrottle;
    private long lastIncrease;
    private long throttles;

    /** @param ceiling items per second at most; zero or less means no ceiling. */
    public Throttle(double ceiling) {
        this(ceiling, System::nanoTime);
    }

    public Throttle(double ceiling, LongSupplier nanoClock) {
        this.ceiling = ceiling > 0 ? ceiling : UNLIMITED;
        this.rate = this.ceiling;
        this.clock = nanoClock;
        long now = clock.getAsLong();
        this.nextFree = now;
        this.windowStart = now;
        this.lastThrottle = now - 10 * SECOND;
        this.lastIncrease = now;
    }

    public static Throttle unlimited() {
        return new Throttle(0);
    }

    /** Waits until {@code items} may be sent. */
    public void acquire(int items) throws InterruptedException {
        long wait = reserve(items);
        if (wait <= 0) {
            return;
        }
        long deadline = clock.getAsLong() + wait;
        double seen = currentRate();
        // Sleep in slices: when the rate climbs meanwhile, the rest of this wait shrinks with it, so a
        // wait reserved at a crawl does not outlast the crawl.
        while (true) {
            long remaining = deadline - clock.getAsLong();
            if (remaining <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(remaining, SLICE));
            synchronized (this) {
                long now = clock.getAsLong();
                maybeIncrease(now);
                if (rate > seen) {
                    long rest = deadline - now;
                    deadline = rest > 0 ? now + (long) (rest * (seen / rate)) : deadline;
                    seen = rate;
                }
            }
        }
    }

    /** Reserves {@code items} and returns how many nanoseconds the caller must wait first. */
    public synchronized long reserve(int items) {
        long now = clock.getAsLong();
        account(now, items);
        maybeIncrease(now);
        if (rate == UNLIMITED) {
            return 0;
        }
        // Allow a burst of at most 100 ms worth of items after an idle period.
        long earliest = now - SECOND / 10;
        if (nextFree < earliest) {
            nextFree = earliest;
        }
        long wait = Math.max(0, nextFree - now);
        nextFree += (long) (items * (SECOND / rate));
        return wait;
    }

    /** The service throttled us: slow down. */
    public synchronized void onThrottled() {
        long now = clock.getAsLong();
        throttles++;
        account(now, 0);
        double achieved = Math.max(lastWindowRate, windowCount * (double) SECOND / Math.max(1, now - windowStart));
        double base = rate == UNLIMITED ? achieved : Math.min(rate, Math.max(achieved, MIN_RATE));
        // At most one decrease per 200 ms: a burst of throttles from one wave counts once.
        if (now - lastThrottle > SECOND / 5 || rate == UNLIMITED) {
            rate = Math.max(MIN_RATE, base * 0.5);
        }
        lastThrottle = now;
        lastIncrease = now;
    }

    public synchronized double currentRate() {
        return rate;
    }

    public synchronized long throttles() {
        return throttles;
    }

    public double ceiling() {
        return ceiling;
    }

    private void account(long now, int items) {
        if (now - windowStart >= SECOND) {
            lastWindowRate = windowCount * (double) SECOND / (now - windowStart);
            windowStart = now;
            windowCount = 0;
        }
        windowCount += items;
    }

    private void maybeIncrease(long now) {
        // lastIncrease is never before the last throttle (onThrottled moves both), so this counts quiet seconds.
        long quietSeconds = (now - lastIncrease) / SECOND;
        if (rate == ceiling || quietSeconds < 1) {
            return;
        }
        // One step per quiet second that passed, however few calls came in it: a writer slowed to a
        // crawl reserves rarely, and must not need a call per step to climb back.
        lastIncrease += quietSeconds * SECOND;
        double before = rate;
        for (long i = 0; i < Math.min(quietSeconds, 100) && rate < ceiling; i++) {
            double step = ceiling == UNLIMITED ? Math.max(rate * 0.1, 10) : ceiling * 0.1;
            rate = rate + step;
        }
        if (ceiling != UNLIMITED && rate >= ceiling) {
            rate = ceiling;
        } else if (ceiling == UNLIMITED && rate > lastWindowRate * 4 && rate > 1000 && now - lastThrottle > 30 * SECOND) {
            // Well clear of what the table took without complaint, for a long while: lift the limit.
            rate = UNLIMITED;
        }
        // Reservations queued at the old rate drain at the new one.
        long debt = nextFree - now;
        if (debt > 0 && rate > before) {
            nextFree = now + (long) (debt * (before / rate));
        }
    }
}
