package io.cutover.core.throttle;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests a writer keeps in flight (docs/decisions/0102-self-tuning-concurrency.md): fixed when the user
 * says so ({@code --write-concurrency N}), otherwise found the way TCP Vegas finds a window. Each completed request
 * reports its latency; the limiter keeps the lowest latency seen (the target unloaded) and estimates how many requests
 * wait in the target's queue: {@code limit × (1 − minLatency / latency)}. While that queue is short the limit grows
 * (quickly while it is nearly empty, by one step otherwise); when it grows long (latency rising, throughput no longer
 * growing) the limit shrinks; a throttle cuts it by a quarter. The adaptive {@link Throttle} stays the limit on rate.
 *
 * <p>Thread-safe. {@link #acquire} blocks while the requests in flight are at the limit.
 */
public final class AdaptiveConcurrency {
    /** How long the lowest latency stands before it is measured again, so a change of the target's load is noticed. */
    private static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final boolean adaptive;
    private final int max;
    private double limit;
    private int inFlight;
    private long minLatencyNanos = Long.MAX_VALUE;
    private long minSetAt;
    private final LongAdder throttled = new LongAdder();
    private int peak;

    private AdaptiveConcurrency(boolean adaptive, int initial, int max) {
        if (initial < 1 || max < initial) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "concurrency: initial " + initial + " and maximum " + max
                    + " must satisfy 1 <= initial <= maximum");
        }
        this.adaptive = adaptive;
        this.limit = initial;
        this.max = max;
        this.peak = initial;
    }

    /** Always {@code n} requests in flight. */
    public static AdaptiveConcurrency fixed(int n) {
        return new AdaptiveConcurrency(false, n, n);
    }

    /** Starts at {@code initial} and finds the limit between 1 and {@code max}. */
    public static AdaptiveConcurrency adaptive(int initial, int max) {
        return new AdaptiveConcurrency(true, initial, max);
    }

    /** The most requests it may ever allow in flight: size pools and connection pools to this. */
    public int max() {
        return max;
    }

    public boolean isAdaptive() {
        return adaptive;
    }

    /** Waits until one more request may be in flight. */
    public synchronized void acquire() throws InterruptedException {
        while (inFlight >= (int) limit) {
            wait();
        }
        inFlight++;
    }

    /**
     * One request finished after {@code latencyNanos} (all its retries included); {@code throttledOnce} when the target
     * throttled it at least once.
     */
    public synchronized void release(long latencyNanos, boolean throttledOnce) {
        inFlight--;
        if (adaptive) {
            sample(latencyNanos, throttledOnce, System.nanoTime());
        }
        notifyAll();
    }

    /** The limit's arithmetic, apart from the blocking, for tests: one sample at {@code now}. */
    synchronized void sample(long latencyNanos, boolean throttledOnce, long now) {
        if (throttledOnce) {
            throttled.increment();
            limit = Math.max(1, limit * 0.75);
            return;
        }
        if (latencyNanos <= 0) {
            return;
        }
        if (latencyNanos < minLatencyNanos || now - minSetAt > PROBE_NANOS) {
            minLatencyNanos = latencyNanos;
            minSetAt = now;
        }
        double log = Math.max(1, Math.log10(limit));
        double queue = limit * (1 - (double) minLatencyNanos / latencyNanos);
        double alpha = 3 * log;
        double beta = 6 * log;
        // Per sample; a window is about `limit` samples. Grow only while the limit is in use (not limited by the caller).
        boolean used = inFlight + 1 >= limit / 2;
        if (queue <= log && used) {
            limit += 1; // nearly empty: doubles per window, as a slow start would
        } else if (queue < alpha && used) {
            limit += 1 / limit; // room left: one more per window
        } else if (queue > beta) {
            limit -= log / limit; // requests queue at the target: latency rises without more throughput
        }
        limit = Math.max(1, Math.min(max, limit));
        peak = Math.max(peak, (int) limit);
    }

    /** For tests of {@link #sample}: as if this many requests were in flight besides the one that finished. */
    synchronized void inFlightForTest(int n) {
        inFlight = n;
    }

    /** The limit now (rounded down). */
    public synchronized int limit() {
        return (int) limit;
    }

    /** The highest limit reached. */
    public synchronized int peak() {
        return peak;
    }

    /** Requests that came back throttled. */
    public long throttled() {
        return throttled.sum();
    }
}
