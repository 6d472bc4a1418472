package io.cutover.core.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The climb against simulated targets: {@code slots} requests are served at once; beyond that more in flight only
 * queue, and (as on a shared CPU) cost a little throughput each.
 */
class AdaptiveConcurrencyTest {
    private static double rate(int limit, int slots) {
        return Math.min(limit, slots) * 200.0 * (1 - 0.004 * Math.max(0, limit - slots));
    }

    /** Windows of a caller that always fills the limit; returns the rate of the last window. */
    private static double climb(AdaptiveConcurrency c, int slots, int windows) {
        double r = 0;
        for (int w = 0; w < windows; w++) {
            r = rate(c.limit(), slots);
            c.onWindow(r, true);
        }
        return rate(c.limit(), slots);
    }

    @Test
    void climbsToTheTargetsCapacityAndHoldsNearIt() {
        for (int slots : new int[] {4, 16, 48}) {
            AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(8, 64);
            double r = climb(c, slots, 300);
            double best = rate(slots, slots);
            assertTrue(r >= 0.9 * best, "slots " + slots + ": limit " + c.limit() + " gives " + r + " of the best " + best);
            assertTrue(c.limit() <= Math.max(8, slots * 2), "slots " + slots + ": no more in flight than it needs: " + c.limit());
        }
    }

    @Test
    void aThrottleCutsTheLimitByAQuarterAndTheClimbStartsAgain() throws Exception {
        AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(8, 64);
        climb(c, 32, 300);
        int before = c.limit();
        c.acquire();
        c.release(1_000_000, true);
        assertEquals((int) (before * 0.75), c.limit(), "a throttle cuts by a quarter");
        assertEquals(1, c.throttled());
        double r = climb(c, 32, 300);
        assertTrue(r >= 0.9 * rate(32, 32), "climbed back: limit " + c.limit());
    }

    @Test
    void followsATargetThatGrowsFaster() {
        AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(8, 64);
        climb(c, 8, 200);
        double r = climb(c, 40, 600); // the target now serves 40 at once
        assertTrue(r >= 0.85 * rate(40, 40), "probes above its level found more: limit " + c.limit() + ", rate " + r);
    }

    @Test
    void neverAboveItsMaximumAndAFixedOneNeverMoves() throws Exception {
        AdaptiveConcurrency capped = AdaptiveConcurrency.adaptive(2, 10);
        climb(capped, 64, 100);
        assertEquals(10, capped.limit());
        AdaptiveConcurrency fixed = AdaptiveConcurrency.fixed(16);
        fixed.acquire();
        fixed.release(1, true);
        assertEquals(16, fixed.limit());
    }

    @Test
    void aCallerThatDoesNotFillTheLimitDoesNotRaiseIt() {
        AdaptiveConcurrency c = AdaptiveConcurrency.adaptive(8, 64);
        for (int i = 0; i < 100; i++) {
            c.onWindow(1000, false);
        }
        assertEquals(8, c.limit());
    }
}
