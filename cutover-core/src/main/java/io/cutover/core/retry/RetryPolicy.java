package io.cutover.core.retry;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The one place where Cutover retries. Exponential backoff with full jitter: before attempt n+1 it
 * sleeps a uniformly random time in [0, min(maxDelay, baseDelay * 2^n)] (see
 * docs/decisions/0004-retries-in-one-place.md). Only failures whose {@link ErrorCode#retryable()} is
 * true are retried; credentials, validation and schema errors fail at once.
 *
 * <p>An attempt that made progress (for example a BatchWriteItem that wrote some of its items and
 * returned the rest as unprocessed) calls {@link Attempt#progressed()}, which resets the count, so
 * a slow but moving operation is never given up on while a stuck one is.
 *
 * <p>A process that runs for days (live capture and apply) gives up after a time budget instead
 * ({@link #forDuration}): a rate limit or an outage of a few minutes is waited out however many
 * attempts it takes, while one that lasts longer than the budget still stops the run with a clear error.
 *
 * <p>Immutable and thread-safe; {@link #execute} blocks the calling thread while it sleeps.
 */
public final class RetryPolicy {
    private final int maxAttempts;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final Sleeper sleeper;
    private final Duration budget;
    private final LongSupplier nanoClock;

    /** How the policy waits; replaced in tests so that they need not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** One attempt's view of the loop. */
    public interface Attempt {
        /** 1 for the first try. */
        int number();

        /** Marks that this attempt moved the work forward, so the failure count starts again. */
        void progressed();
    }

    /** The work to retry. Throw anything; the classifier decides what it means. */
    @FunctionalInterface
    public interface Operation<T> {
        T run(Attempt attempt) throws Exception;
    }

    public RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
        this(maxAttempts, baseDelay, maxDelay, d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000));
    }

    public RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Sleeper sleeper) {
        this(maxAttempts, baseDelay, maxDelay, sleeper, null, System::nanoTime);
    }

    private RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Sleeper sleeper, Duration budget, LongSupplier nanoClock) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= baseDelay <= maxDelay");
        }
        this.maxAttempts = maxAttempts;
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
        this.sleeper = Objects.requireNonNull(sleeper);
        if (budget != null && (budget.isZero() || budget.isNegative())) {
            throw new IllegalArgumentException("the retry budget must be positive, was " + budget);
        }
        this.budget = budget;
        this.nanoClock = Objects.requireNonNull(nanoClock);
    }

    /**
     * A policy that retries a failure for as long as {@code budget} lasts, counted from the first failure
     * of a run of failures (an attempt that progressed starts the count again), however many attempts
     * that takes.
     */
    public static RetryPolicy forDuration(Duration budget, Duration baseDelay, Duration maxDelay) {
        return forDuration(budget, baseDelay, maxDelay, d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000), System::nanoTime);
    }

    /** As above, with the waiting and the clock replaced (tests). */
    public static RetryPolicy forDuration(Duration budget, Duration baseDelay, Duration maxDelay, Sleeper sleeper, LongSupplier nanoClock) {
        return new RetryPolicy(Integer.MAX_VALUE, baseDelay, maxDelay, sleeper, Objects.requireNonNull(budget, "budget"), nanoClock);
    }

    /** Defaults for calls to a cloud service: 10 attempts, 50 ms base, 20 s cap. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(10, Duration.ofMillis(50), Duration.ofSeconds(20));
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** The full-jitter delay before the retry that follows failed attempt number {@code failures}. */
    public Duration backoff(int failures) {
        long cap = maxDelay.toNanos();
        int shift = Math.min(Math.max(failures - 1, 0), 30);
        long base = baseDelay.toNanos();
        // base << shift would overflow (and turn negative) when base > cap >> shift; the cap applies then.
        long ceiling = base > (cap >> shift) ? cap : base << shift;
        if (ceiling <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }

    public <T> T execute(String what, Operation<T> operation, ErrorClassifier classifier, RetryListener listener) {
        int failures = 0;
        int number = 0;
        long firstFailure = 0;
        while (true) {
            number++;
            MutableAttempt attempt = new MutableAttempt(number);
            try {
                return operation.run(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, what + " was interrupted", e);
            } catch (Exception e) {
                CutoverException failure = e instanceof CutoverException ce ? ce : classifier.classify(e);
                if (!failure.retryable()) {
                    throw failure;
                }
                failures = attempt.progressed ? 1 : failures + 1;
                long now = nanoClock.getAsLong();
                if (failures == 1) {
                    firstFailure = now;
                }
                boolean spent = budget == null ? failures >= maxAttempts : now - firstFailure >= budget.toNanos();
                if (spent) {
                    throw new CutoverException(ErrorCode.RETRIES_EXHAUSTED,
                            what + " failed " + failures + " times in a row" + (budget == null ? "" : " over " + budget.toSeconds() + " s")
                                    + ", last: " + failure.getMessage()
                                    + (failure.code() == ErrorCode.THROTTLED
                                            ? " (lower --max-write-rate, or raise the table's capacity)" : ""),
                            failure);
                }
                listener.onRetry(failure, failures);
                try {
                    sleeper.sleep(backoff(failures));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new CutoverException(ErrorCode.INTERRUPTED, what + " was interrupted", ie);
                }
            }
        }
    }

    private static final class MutableAttempt implements Attempt {
        private final int number;
        private boolean progressed;

        MutableAttempt(int number) {
            this.number = number;
        }

        @Override
        public int number() {
            return number;
        }

        @Override
        public void progressed() {
            progressed = true;
        }
    }
}
