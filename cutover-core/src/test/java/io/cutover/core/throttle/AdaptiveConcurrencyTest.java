package io.cutover.core.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The limit's arithmetic against a simulated target: {@code slots} requests are served at once in {@code base}; more
 * wait in its queue, so latency grows with the requests in flight while throughput stays at {@code slots / base}.
 */
class AdaptiveConcurrencyTest {
    private static final long BASE = 5_000_000L; // 5 ms a request when the target is not loaded

    /** Runs {@code windows} windows of a caller that always fills the limit; returns the limit at the end. */
    private static int run(AdaptiveConcurrency c, int slots, int windows) {
        long now = 0;
        for (int w = 0; w < windows; w++) {
            int l = Math.max(1, c.limit());
            long latency = Math.max(BASE, BASE * l / slots);
            for (int i = 0; i < l; i++) {
                c.inFlightForTest(l - 1);
                c.sample(latency, false, now);
            }
            now += latency;
        }
        return c.limit();
    }

    @Test
    void findsTheTargetsCapacityAndStaysJustAboveIt() {
        for (int slots : new int[] {4, 16, 48}) {
            AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(2, 256);
            int limit = run(c, slots, 400);
            // at the target's capacity throughput is the most it gives; a few more keep it busy, many more only queue
            assertTrue(limit >= slots && limit <= slots * 1.6 + 8, "slots " + slots + ": limit " + limit);
        }
    }

    @Test
    void aThrottleCutsTheLimitByAQuarterAndItGrowsBack() {
        AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(2, 256);
        int before = run(c, 32, 400);
        c.sample(BASE, true, 0);
        assertTrue(Math.abs(c.limit() - before * 0.75) <= 1, "a throttle cuts by a quarter: " + before + " -> " + c.limit());
        assertEquals(1, c.throttled());
        int after = run(c, 32, 400);
        assertTrue(after >= 32, "grew back to the capacity: " + after);
    }

    @Test
    void neverAboveItsMaximumAndAFixedOneNeverMoves() {
        AdaptiveConcurrency capped = AdaptiveConcurrency.adaptive(2, 10);
        assertEquals(10, run(capped, 64, 200));
        AdaptiveConcurrency fixed = AdaptiveConcurrency.fixed(16);
        fixed.release(1, true); // as the writer calls it; a fixed limit ignores samples
        assertEquals(16, fixed.limit());
    }

    @Test
    void aCallerThatDoesNotUseTheLimitDoesNotRaiseIt() {
        AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(8, 256);
        for (int i = 0; i < 10_000; i++) {
            c.inFlightForTest(0); // one request at a time: nothing learnt about more
            c.sample(BASE, false, i);
        }
        assertTrue(c.limit() <= 16, "limit " + c.limit());
    }
}
