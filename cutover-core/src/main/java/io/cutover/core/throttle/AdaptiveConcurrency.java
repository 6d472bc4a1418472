package io.cutover.core.throttle;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests a writer keeps in flight (docs/decisions/0102-self-tuning-concurrency.md): fixed when the user
 * says so ({@code --write-concurrency N}), otherwise found by climbing the throughput curve. Time is cut into windows
 * (at least 200 ms and a few round trips); at the end of each the requests finished per second are compared with the
 * best seen: more in flight while that keeps growing by more than 5% (by half, then by smaller steps near the top),
 * back to the best level when it stops growing, and a new, smaller probe above it now and then, so that a change of the
 * target is followed. The first full window, which holds the ramp, decides nothing. A throttled request cuts the limit
 * by a quarter and forgets the best (the target said where its capacity is). A window in which the caller did not fill
 * the limit says nothing about more, and does not raise it. The adaptive {@link Throttle} stays the limit on rate.
 *
 * <p>Thread-safe. {@link #acquire} blocks while the requests in flight are at the limit.
 */
public final class AdaptiveConcurrency {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdaptiveConcurrency.class);
    private static final long MIN_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Windows at the best level before probing above it again. */
    private static final int HOLD_WINDOWS = 10;

    private final boolean adaptive;
    private final int max;
    private int limit;
    private int inFlight;
    private int peak;
    private final LongAdder throttled = new LongAdder();
    private volatile java.util.function.IntConsumer onChange = n -> { };

    // the current window
    private long windowStart = -1;
    private long windowDone;
    private long windowLatencySum;
    private int windowMaxInFlight;
    // the climb
    private double bestRate;
    private int bestLimit;
    private int step;
    private int hold;
    private boolean rampedUp;

    private AdaptiveConcurrency(boolean adaptive, int initial, int max) {
        if (initial < 1 || max < initial) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "concurrency: initial " + initial + " and maximum " + max
                    + " must satisfy 1 <= initial <= maximum");
        }
        this.adaptive = adaptive;
        this.limit = initial;
        this.max = max;
        this.peak = initial;
        this.bestLimit = initial;
        this.step = Math.max(1, initial / 2);
    }

    /** Always {@code n} requests in flight. */
    public static AdaptiveConcurrency fixed(int n) {
        return new AdaptiveConcurrency(false, n, n);
    }

    /**
     * {@code --write-concurrency N}: N as is, or (0, "auto") a limit found between 1 and 64, starting at 32 (decision 0102
     * addendum: from 16, the climb of a short copy spent most of it below the level the target absorbs).
     */
    public static AdaptiveConcurrency forSetting(int n) {
        return n == 0 ? adaptive(AUTO_START, 64) : fixed(n);
    }

    /** Where {@code auto} starts its climb. */
    public static final int AUTO_START = 32;

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
        while (!tryAcquire()) {
            wait();
        }
    }

    /** One more request in flight if the limit allows it now, without waiting; true when it was taken. */
    public synchronized boolean tryAcquire() {
        if (inFlight >= limit) {
            return false;
        }
        inFlight++;
        windowMaxInFlight = Math.max(windowMaxInFlight, inFlight);
        return true;
    }

    /**
     * One request finished after {@code latencyNanos} (all its retries included); {@code throttledOnce} when the target
     * throttled it at least once.
     */
    public synchronized void release(long latencyNanos, boolean throttledOnce) {
        inFlight--;
        int before = limit;
        if (adaptive) {
            finished(latencyNanos, throttledOnce, System.nanoTime());
        }
        // One slot came free: wake one waiter, not all of them (up to 64 threads re-checking on every request cost the
        // copy as much client CPU as its own work). A raised limit frees more slots: wake them all then.
        if (limit > before) {
            notifyAll();
        } else {
            notify();
        }
        if (limit != before) {
            onChange.accept(limit);
        }
    }

    /**
     * One request finished after {@code latencyNanos}, counted as by {@link #release}, and its caller goes on with another:
     * the slot is kept if the limit still allows it (true) or given up (false), in one step, so that no waiting caller takes
     * it in between. A caller that pipelines keeps a slot for as long as it holds work: a copy unit keeps its permit while
     * its last page is written, so that the pages held stay bounded by the limit, not by the number of units.
     */
    public synchronized boolean renew(long latencyNanos) {
        release(latencyNanos, false);
        return tryAcquire(); // under the same lock: a waiter woken by the release cannot take the slot first
    }

    /** Gives a slot back without counting a request: the caller counted its last one with {@link #renew}. */
    public synchronized void giveBack() {
        inFlight--;
        notify();
    }

    /**
     * Told every new limit (under this limiter's lock; keep it short): a writer sizes its pool of threads to the limit, so
     * that no thread waits in {@link #acquire} (64 threads contending for one monitor cost as much CPU as the writes).
     */
    public void onLimitChange(java.util.function.IntConsumer listener) {
        this.onChange = listener;
    }

    private void finished(long latencyNanos, boolean throttledOnce, long now) {
        if (throttledOnce) {
            throttled.increment();
            limit = Math.max(1, (int) (limit * 0.75));
            bestRate = 0;
            bestLimit = limit;
            step = Math.max(1, limit / 4);
            hold = HOLD_WINDOWS;
            windowStart = now;
            windowDone = 0;
            windowLatencySum = 0;
            windowMaxInFlight = inFlight;
            return;
        }
        if (windowStart < 0) {
            windowStart = now;
            windowMaxInFlight = inFlight + 1;
            return;
        }
        windowDone++;
        windowLatencySum += latencyNanos;
        long length = now - windowStart;
        long avgLatency = windowLatencySum / windowDone;
        if (length >= Math.max(MIN_WINDOW_NANOS, 4 * avgLatency) && windowDone >= 2L * limit) {
            onWindow(windowDone * 1e9 / length, windowMaxInFlight >= limit);
            windowStart = now;
            windowDone = 0;
            windowLatencySum = 0;
            windowMaxInFlight = inFlight;
        }
    }

    /** The climb's decision at the end of a window: {@code rate} requests/s at the current limit; {@code filled} if it was in use. */
    synchronized void onWindow(double rate, boolean filled) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("window: {} requests/s at limit {} ({}), best {} at {}", Math.round(rate), limit, filled ? "filled" : "not filled",
                    Math.round(bestRate), bestLimit);
        }
        if (!filled) {
            return; // the caller, not the target, held the rate: nothing learnt about more
        }
        if (!rampedUp) {
            // The first full window also holds the ramp (connections opened, pipelines filling): its rate is low, and as the
            // best it made any level above it look better, which then stayed the best for good.
            rampedUp = true;
            return;
        }
        if (rate > bestRate * 1.05) {
            bestRate = rate;
            bestLimit = limit;
            limit = Math.min(max, limit + step);
            step = Math.max(1, limit / 2);
        } else if (limit != bestLimit) {
            // no better than the best by 5%: go back to it, and look closer next time. A level that was better by less
            // does not become the best: on a shared machine a window's rate is off by 5 to 10%, and taking every lucky
            // window ratcheted the limit up to its maximum where the curve was flat.
            limit = bestLimit;
            step = Math.max(1, step / 2);
            hold = HOLD_WINDOWS;
        } else {
            bestRate = bestRate * 0.9 + rate * 0.1; // the same level: follow its rate slowly
            if (hold > 0) {
                hold--;
            } else {
                limit = Math.min(max, limit + step); // probe above again: the target may absorb more now
            }
        }
        peak = Math.max(peak, limit);
    }

    /** The limit now. */
    public synchronized int limit() {
        return limit;
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
