package io.cutover.control;

import java.util.function.LongSupplier;

/**
 * A token bucket for the reads that cost a registry scan or a read of dead-letter and status files
 * (the migration list, one migration, its history, metrics, readiness). Over the rate the server
 * answers 429 at once instead of queueing work. Thread-safe; {@code nanos} is a clock for tests.
 */
final class ExpensiveReadLimit {
    private final double perSecond;
    private final double burst;
    private final LongSupplier nanos;
    private double tokens;
    private long last;

    ExpensiveReadLimit(double perSecond, LongSupplier nanos) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, 2 * perSecond);
        this.nanos = nanos;
        this.tokens = burst;
        this.last = nanos.getAsLong();
    }

    /** Takes one read if the rate allows it now; never blocks. */
    synchronized boolean tryTake() {
        long now = nanos.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whole seconds until one read is allowed again, for {@code Retry-After}. */
    synchronized long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
    }
}
