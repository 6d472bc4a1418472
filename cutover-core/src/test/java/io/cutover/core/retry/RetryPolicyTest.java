package io.cutover.core.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RetryPolicyTest {
    private static final ErrorClassifier NO_CLASSIFIER = f -> {
        throw new AssertionError("the classifier must not be asked about " + f);
    };

    private final List<Duration> sleeps = new ArrayList<>();
    private final List<Integer> retriesSeen = new ArrayList<>();
    private final List<CutoverException> failuresSeen = new ArrayList<>();
    private final RetryListener listener = (failure, attempt) -> {
        failuresSeen.add(failure);
        retriesSeen.add(attempt);
    };

    private RetryPolicy policy(int maxAttempts) {
        return new RetryPolicy(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(2), sleeps::add);
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = {"THROTTLED", "TRANSIENT"})
    void retriesRetryableFailuresUntilTheOperationSucceeds(ErrorCode code) {
        AtomicInteger calls = new AtomicInteger();

        String result = policy(5).execute("op", attempt -> {
            if (calls.incrementAndGet() < 3) {
                throw new CutoverException(code, "try again");
            }
            return "done";
        }, NO_CLASSIFIER, listener);

        assertEquals("done", result);
        assertEquals(3, calls.get());
        assertEquals(2, sleeps.size(), "one sleep before each retry");
        assertEquals(List.of(1, 2), retriesSeen, "listener told once per retry, with the failure count");
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = {"THROTTLED", "TRANSIENT"})
    void givesUpWithRetriesExhaustedAfterMaxAttempts(ErrorCode code) {
        AtomicInteger calls = new AtomicInteger();
        List<CutoverException> thrown = new ArrayList<>();

        CutoverException e = assertThrows(CutoverException.class, () -> policy(4).execute("BatchWriteItem t", attempt -> {
            calls.incrementAndGet();
            CutoverException f = new CutoverException(code, "failure " + attempt.number());
            thrown.add(f);
            throw f;
        }, NO_CLASSIFIER, listener));

        assertEquals(ErrorCode.RETRIES_EXHAUSTED, e.code());
        assertFalse(e.retryable());
        assertEquals(4, calls.get(), "exactly maxAttempts attempts");
        assertSame(thrown.get(3), e.getCause(), "the last failure is the cause");
        assertTrue(e.getMessage().contains("BatchWriteItem t"), e.getMessage());
        assertTrue(e.getMessage().contains("failure 4"), e.getMessage());
        assertEquals(3, sleeps.size());
        assertEquals(List.of(1, 2, 3), retriesSeen);
        assertEquals(thrown.subList(0, 3), failuresSeen, "the listener sees each failure that is retried");
    }

    @Test
    void exhaustedThrottlingSuggestsLoweringTheWriteRate() {
        CutoverException e = assertThrows(CutoverException.class, () -> policy(2).execute("op", attempt -> {
            throw new CutoverException(ErrorCode.THROTTLED, "slow down");
        }, NO_CLASSIFIER, listener));

        assertEquals(ErrorCode.RETRIES_EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains("--max-write-rate"), e.getMessage());
    }

    @Test
    void singleAttemptPolicyNeverRetries() {
        AtomicInteger calls = new AtomicInteger();

        CutoverException e = assertThrows(CutoverException.class, () -> policy(1).execute("op", attempt -> {
            calls.incrementAndGet();
            throw new CutoverException(ErrorCode.TRANSIENT, "blip");
        }, NO_CLASSIFIER, listener));

        assertEquals(ErrorCode.RETRIES_EXHAUSTED, e.code());
        assertEquals(1, calls.get());
        assertTrue(sleeps.isEmpty());
        assertTrue(retriesSeen.isEmpty());
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = {"CREDENTIALS", "REJECTED", "CONFIG_INVALID"})
    void neverRetriesNonRetryableFailures(ErrorCode code) {
        AtomicInteger calls = new AtomicInteger();
        CutoverException failure = new CutoverException(code, "no");

        CutoverException e = assertThrows(CutoverException.class, () -> policy(10).execute("op", attempt -> {
            calls.incrementAndGet();
            throw failure;
        }, NO_CLASSIFIER, listener));

        assertSame(failure, e, "a non-retryable failure is thrown as is");
        assertEquals(1, calls.get(), "the operation runs exactly once");
        assertTrue(sleeps.isEmpty());
        assertTrue(retriesSeen.isEmpty());
    }

    @Test
    void attemptNumbersCountFromOne() {
        List<Integer> numbers = new ArrayList<>();

        policy(5).execute("op", attempt -> {
            numbers.add(attempt.number());
            if (numbers.size() < 4) {
                throw new CutoverException(ErrorCode.TRANSIENT, "blip");
            }
            return null;
        }, NO_CLASSIFIER, listener);

        assertEquals(List.of(1, 2, 3, 4), numbers);
    }

    @Test
    void operationThatProgressesEachTimeIsNeverGivenUpOn() {
        AtomicInteger calls = new AtomicInteger();
        int failuresBeforeSuccess = 50;

        String result = policy(3).execute("op", attempt -> {
            if (calls.incrementAndGet() <= failuresBeforeSuccess) {
                attempt.progressed();
                throw new CutoverException(ErrorCode.THROTTLED, "some items unprocessed");
            }
            return "all written";
        }, NO_CLASSIFIER, listener);

        assertEquals("all written", result);
        assertEquals(failuresBeforeSuccess + 1, calls.get());
        assertEquals(failuresBeforeSuccess, retriesSeen.size());
        assertTrue(retriesSeen.stream().allMatch(n -> n == 1), "progress resets the failure count: " + retriesSeen);
    }

    @Test
    void operationThatStopsProgressingIsGivenUpOnAfterMaxAttemptsWithoutProgress() {
        AtomicInteger calls = new AtomicInteger();
        int progressing = 5;
        int maxAttempts = 3;

        CutoverException e = assertThrows(CutoverException.class, () -> policy(maxAttempts).execute("op", attempt -> {
            if (calls.incrementAndGet() <= progressing) {
                attempt.progressed();
            }
            throw new CutoverException(ErrorCode.THROTTLED, "unprocessed");
        }, NO_CLASSIFIER, listener));

        assertEquals(ErrorCode.RETRIES_EXHAUSTED, e.code());
        // The last progressing attempt counts as failure 1; then maxAttempts - 1 stuck attempts.
        assertEquals(progressing + maxAttempts - 1, calls.get());
    }

    @Test
    void classifierDecidesAboutFailuresThatAreNotCutoverExceptions() {
        AtomicInteger calls = new AtomicInteger();
        List<Throwable> classified = new ArrayList<>();
        IOException io = new IOException("connection reset");
        ErrorClassifier classifier = f -> {
            classified.add(f);
            return new CutoverException(ErrorCode.TRANSIENT, "classified", f);
        };

        String result = policy(5).execute("op", attempt -> {
            if (calls.incrementAndGet() == 1) {
                throw io;
            }
            return "ok";
        }, classifier, listener);

        assertEquals("ok", result);
        assertEquals(List.of(io), classified);
        assertEquals(1, retriesSeen.size());
        assertEquals("classified", failuresSeen.get(0).getMessage());
    }

    @Test
    void failureTheClassifierCallsNonRetryableIsThrownWithoutRetry() {
        AtomicInteger calls = new AtomicInteger();
        CutoverException rejected = new CutoverException(ErrorCode.REJECTED, "bad request");

        CutoverException e = assertThrows(CutoverException.class, () -> policy(5).execute("op", attempt -> {
            calls.incrementAndGet();
            throw new IllegalStateException("validation");
        }, f -> rejected, listener));

        assertSame(rejected, e);
        assertEquals(1, calls.get());
        assertTrue(sleeps.isEmpty());
    }

    @Test
    void cutoverExceptionsAreNotPassedToTheClassifier() {
        AtomicInteger calls = new AtomicInteger();

        policy(5).execute("op", attempt -> {
            if (calls.incrementAndGet() == 1) {
                throw new CutoverException(ErrorCode.TRANSIENT, "blip");
            }
            return null;
        }, NO_CLASSIFIER, listener);

        assertEquals(2, calls.get());
    }

    @Test
    void interruptedSleepStopsWithInterrupted() {
        RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(10), d -> {
            throw new InterruptedException();
        });
        try {
            CutoverException e = assertThrows(CutoverException.class, () -> policy.execute("op", attempt -> {
                throw new CutoverException(ErrorCode.TRANSIENT, "blip");
            }, NO_CLASSIFIER, listener));

            assertEquals(ErrorCode.INTERRUPTED, e.code());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag is restored");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void sleepsBetweenAttemptsStayWithinTheBackoffBoundForTheirFailureCount() {
        Duration base = Duration.ofMillis(100);
        Duration max = Duration.ofSeconds(2);
        RetryPolicy policy = new RetryPolicy(8, base, max, sleeps::add);

        assertThrows(CutoverException.class, () -> policy.execute("op", attempt -> {
            throw new CutoverException(ErrorCode.TRANSIENT, "blip");
        }, NO_CLASSIFIER, listener));

        assertEquals(7, sleeps.size());
        for (int i = 0; i < sleeps.size(); i++) {
            long bound = bound(base, max, i + 1);
            long slept = sleeps.get(i).toNanos();
            assertTrue(slept >= 0 && slept <= bound, "sleep " + (i + 1) + " was " + sleeps.get(i) + ", bound " + bound);
        }
    }

    @Test
    void backoffIsFullJitterWithinZeroAndTheCappedExponentialBound() {
        Duration[][] configs = {
                {Duration.ofMillis(50), Duration.ofSeconds(20)},
                {Duration.ofNanos(1), Duration.ofMillis(1)},
                {Duration.ofMillis(100), Duration.ofMillis(100)},
                {Duration.ofSeconds(10), Duration.ofSeconds(60)},
                {Duration.ofHours(1), Duration.ofDays(1)},
        };
        for (Duration[] c : configs) {
            RetryPolicy policy = new RetryPolicy(10, c[0], c[1], d -> { });
            for (int failures = 1; failures <= 64; failures++) {
                long bound = bound(c[0], c[1], failures);
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (int i = 0; i < 400; i++) {
                    long d = policy.backoff(failures).toNanos();
                    assertTrue(d >= 0 && d <= bound, "backoff(" + failures + ") = " + d + " ns outside [0, " + bound
                            + "] for base " + c[0] + ", max " + c[1]);
                    min = Math.min(min, d);
                    max = Math.max(max, d);
                }
                if (bound >= 4) {
                    // Uniform on [0, bound]: 400 samples all in one half happen with probability 2^-399.
                    String where = "backoff(" + failures + ") for base " + c[0] + ", max " + c[1] + ", bound " + bound + " ns";
                    assertTrue(max > bound / 2, "never reached the upper half: " + where + ", max seen " + max);
                    assertTrue(min < bound / 2, "never reached the lower half: " + where + ", min seen " + min);
                }
            }
        }
    }

    @Test
    void zeroBaseDelayNeverSleeps() {
        RetryPolicy policy = new RetryPolicy(3, Duration.ZERO, Duration.ZERO, d -> { });
        for (int failures = 0; failures < 40; failures++) {
            assertEquals(Duration.ZERO, policy.backoff(failures));
        }
    }

    @Test
    void rejectsInvalidConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, d -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1), d -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(3, Duration.ofMillis(-1), Duration.ofSeconds(1), d -> { }));
    }

    @Test
    void defaultsAllowTenAttempts() {
        RetryPolicy defaults = RetryPolicy.defaults();
        assertNotNull(defaults);
        assertEquals(10, defaults.maxAttempts());
    }

    /** min(maxDelay, base * 2^(failures-1)) in nanoseconds, computed without overflow. */
    private static long bound(Duration base, Duration max, int failures) {
        BigInteger exp = BigInteger.valueOf(base.toNanos()).shiftLeft(Math.max(failures - 1, 0));
        return exp.min(BigInteger.valueOf(max.toNanos())).longValueExact();
    }

    @Test
    void aTimeBudgetRetriesFarBeyondTenAttemptsAndGivesUpOnlyWhenTheTimeIsSpent() {
        long[] now = {0};
        // The fake sleeper advances the fake clock by the full backoff, as a real sleep would.
        RetryPolicy policy = RetryPolicy.forDuration(Duration.ofMinutes(30), Duration.ofMillis(50), Duration.ofSeconds(20),
                d -> now[0] += d.toNanos(), () -> now[0]);
        AtomicInteger calls = new AtomicInteger();
        String result = policy.execute("GetRecords", attempt -> {
            if (calls.incrementAndGet() < 100) {
                throw new CutoverException(ErrorCode.THROTTLED, "LimitExceededException");
            }
            return "done";
        }, NO_CLASSIFIER, listener);
        assertEquals("done", result, "100 attempts within the budget are waited out");

        now[0] = 0;
        calls.set(0);
        CutoverException e = assertThrows(CutoverException.class, () -> policy.execute("GetRecords", attempt -> {
            calls.incrementAndGet();
            now[0] += Duration.ofMinutes(1).toNanos();
            throw new CutoverException(ErrorCode.TRANSIENT, "503");
        }, NO_CLASSIFIER, listener));
        assertEquals(ErrorCode.RETRIES_EXHAUSTED, e.code());
        assertTrue(calls.get() >= 20 && calls.get() <= 31, "at most 31 one-minute attempts (plus backoff) fit a 30-minute budget: " + calls.get());
        assertTrue(e.getMessage().contains("over 1800 s"), e.getMessage());
    }

    @Test
    void aTimeBudgetStartsAgainAfterProgress() {
        long[] now = {0};
        RetryPolicy policy = RetryPolicy.forDuration(Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO, d -> { }, () -> now[0]);
        AtomicInteger calls = new AtomicInteger();
        String result = policy.execute("op", attempt -> {
            now[0] += Duration.ofSeconds(4).toNanos();
            if (calls.incrementAndGet() < 10) {
                if (calls.get() % 2 == 0) {
                    attempt.progressed();
                }
                throw new CutoverException(ErrorCode.THROTTLED, "slow");
            }
            return "done";
        }, NO_CLASSIFIER, listener);
        assertEquals("done", result, "36 s of failures, but never 10 s without progress");
    }
}
