package io.cutover.core.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThrottleTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** A clock the test moves by hand; starts far from zero, as System.nanoTime may. */
    private static final class FakeClock {
        long now = 7_777_000_000_000L;

        long get() {
            return now;
        }

        void advance(long nanos) {
            now += nanos;
        }
    }

    private final FakeClock clock = new FakeClock();

    /** A caller that sleeps (on the fake clock) as long as the throttle asks, then sends. */
    private long send(Throttle t, int items) {
        long wait = t.reserve(items);
        assertTrue(wait >= 0, "a wait is never negative: " + wait);
        clock.advance(wait);
        return wait;
    }

    @Test
    void unlimitedThrottleNeverAsksToWait() {
        Throttle t = new Throttle(0, clock::get);

        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, t.reserve(1_000_000));
        }
        assertEquals(Double.POSITIVE_INFINITY, t.currentRate());
        assertEquals(Double.POSITIVE_INFINITY, t.ceiling());
        assertEquals(0, t.throttles());
    }

    @Test
    void negativeCeilingMeansUnlimited() {
        Throttle t = new Throttle(-5, clock::get);

        assertEquals(0, t.reserve(1_000_000));
        assertEquals(0, t.reserve(1_000_000));
        assertEquals(Double.POSITIVE_INFINITY, t.ceiling());
    }

    @Test
    void ceilingOfHundredPerSecondSpacesBatchesOfHundredOneSecondApart() {
        Throttle t = new Throttle(100, clock::get);

        // Without the caller sleeping, each reservation waits one second longer than the last.
        for (int i = 0; i < 10; i++) {
            assertEquals(i * SECOND, t.reserve(100), "reservation " + i);
        }
    }

    @Test
    void callerThatWaitsAsToldSendsAtTheCeilingRate() {
        Throttle t = new Throttle(100, clock::get);
        long start = clock.now;

        assertEquals(0, send(t, 100), "the first batch goes at once");
        for (int i = 1; i < 30; i++) {
            assertEquals(SECOND, send(t, 100), "batch " + i);
        }

        // 3000 items at 100 items/s: the 30th batch goes 29 s after the first.
        assertEquals(29 * SECOND, clock.now - start);
        assertEquals(100.0, t.currentRate());
    }

    @Test
    void smallReservationsAddUpToTheSameRate() {
        Throttle t = new Throttle(100, clock::get);
        long start = clock.now;

        for (int i = 0; i < 1000; i++) {
            send(t, 1);
        }

        // 1000 items at 100/s: the last one may go after 9.99 s, not before.
        long elapsed = clock.now - start;
        assertTrue(elapsed >= 999 * 10 * MS - MS && elapsed <= 10 * SECOND, "elapsed " + elapsed + " ns");
    }

    @Test
    void idleTimeDoesNotBankMoreThanATenthOfASecondOfBurst() {
        Throttle t = new Throttle(100, clock::get);
        send(t, 100);
        clock.advance(60 * SECOND);

        assertEquals(0, t.reserve(100), "after an idle minute the next batch goes at once");
        // ... but the idle minute did not bank 60 s of items: only 100 ms of credit.
        assertEquals(900 * MS, t.reserve(100));
    }

    @Test
    void throttleLowersTheRateToAboutHalfOfWhatWasAchieved() {
        Throttle t = new Throttle(1000, clock::get);
        // The table takes only 200 items/s: 20 items every 100 ms, for 3 s.
        for (int i = 0; i < 30; i++) {
            assertEquals(0, t.reserve(20), "well under the ceiling, no wait");
            clock.advance(100 * MS);
        }
        clock.advance(-50 * MS);

        t.onThrottled();

        double rate = t.currentRate();
        assertTrue(rate >= 0.4 * 200 && rate <= 0.6 * 200, "about half of the achieved 200 items/s, was " + rate);
        assertEquals(1, t.throttles());
    }

    @Test
    void throttleLowersTheRateBelowTheCeilingWhenRunningAtTheCeiling() {
        Throttle t = new Throttle(100, clock::get);
        for (int i = 0; i < 50; i++) {
            send(t, 10);
        }

        t.onThrottled();

        assertTrue(t.currentRate() >= 40 && t.currentRate() <= 60, "about half of 100/s, was " + t.currentRate());
        // The caller now waits about twice as long per item.
        send(t, 10);
        long wait = t.reserve(10);
        assertTrue(wait >= 10 * SECOND / 60 && wait <= 10 * SECOND / 40, "wait for 10 items was " + wait + " ns");
    }

    @Test
    void burstOfThrottlesFromOneWaveLowersTheRateOnce() {
        Throttle t = new Throttle(1000, clock::get);
        for (int i = 0; i < 30; i++) {
            t.reserve(20);
            clock.advance(100 * MS);
        }

        t.onThrottled();
        double afterFirst = t.currentRate();
        clock.advance(10 * MS);
        t.onThrottled();
        clock.advance(10 * MS);
        t.onThrottled();

        assertEquals(afterFirst, t.currentRate(), "throttles within 200 ms count as one decrease");
        assertEquals(3, t.throttles(), "but every throttle is counted");

        clock.advance(500 * MS);
        t.onThrottled();
        assertTrue(t.currentRate() < afterFirst, "a throttle later than 200 ms lowers the rate again");
        assertEquals(4, t.throttles());
    }

    @Test
    void rateClimbsBackTowardTheCeilingWithoutThrottlesButNeverAboveIt() {
        double ceiling = 1000;
        Throttle t = new Throttle(ceiling, clock::get);
        for (int i = 0; i < 30; i++) {
            t.reserve(20);
            clock.advance(100 * MS);
        }
        t.onThrottled();
        double lowered = t.currentRate();
        assertTrue(lowered < ceiling / 2, "lowered to " + lowered);

        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            clock.advance(SECOND / 2);
            send(t, 1);
            rates.add(t.currentRate());
        }

        double previous = lowered;
        for (double r : rates) {
            assertTrue(r >= previous, "the rate only climbs without throttles: " + rates);
            assertTrue(r <= ceiling, "never above the ceiling: " + rates);
            // Additive increase: at most 10% of the ceiling per second.
            assertTrue(r - previous <= ceiling * 0.1 + 1e-9, "climbs gradually: " + rates);
            previous = r;
        }
        assertTrue(rates.get(5) > lowered, "climbing after a few seconds: " + rates);
        assertEquals(ceiling, rates.get(rates.size() - 1), "back at the ceiling after 30 s: " + rates);
    }

    @Test
    void aWriterSlowedToACrawlClimbsBackByElapsedTimeNotByItsFewCalls() {
        double ceiling = 1000;
        Throttle t = new Throttle(ceiling, clock::get);
        for (int i = 0; i < 40; i++) {
            clock.advance(SECOND);
            t.onThrottled();
        }
        assertTrue(t.currentRate() < 5, "driven down to a crawl: " + t.currentRate());

        // One call after 5 quiet seconds: five steps of 10% of the ceiling, not one.
        clock.advance(5 * SECOND);
        t.reserve(25);
        assertTrue(t.currentRate() >= 500 && t.currentRate() <= 510, "rate " + t.currentRate());
        clock.advance(SECOND / 2);
        t.reserve(25);
        assertTrue(t.currentRate() <= 510, "no step before another whole quiet second: " + t.currentRate());
        clock.advance(60 * SECOND);
        t.reserve(25);
        assertEquals(ceiling, t.currentRate(), "never above the ceiling");
    }

    @Test
    void reservationsQueuedAtACrawlDrainAtTheRateItClimbsTo() {
        Throttle t = new Throttle(1000, clock::get);
        for (int i = 0; i < 40; i++) {
            clock.advance(SECOND);
            t.onThrottled();
        }
        double crawl = t.currentRate();
        for (int i = 0; i < 8; i++) {
            t.reserve(25);
        }
        long queued = t.reserve(25);
        assertTrue(queued > 100 * SECOND / crawl, "eight batches queued ahead at a crawl: " + queued);

        clock.advance(2 * SECOND);
        long after = t.reserve(25);
        assertTrue(t.currentRate() > 100 * crawl, "climbed: " + t.currentRate());
        assertTrue(after < queued / 50, "the queue drains at the new rate: waited " + after + " ns, was " + queued);
    }

    @Test
    void rateDoesNotClimbWhileThrottlesKeepComing() {
        Throttle t = new Throttle(1000, clock::get);
        for (int i = 0; i < 30; i++) {
            t.reserve(20);
            clock.advance(100 * MS);
        }
        t.onThrottled();
        double lowered = t.currentRate();

        for (int i = 0; i < 20; i++) {
            clock.advance(SECOND / 2);
            send(t, 1);
            t.onThrottled();
            assertTrue(t.currentRate() <= lowered, "no increase between throttles less than 1 s apart");
        }
    }

    @Test
    void rateNeverDropsBelowOneItemPerSecond() {
        Throttle t = new Throttle(100, clock::get);
        for (int i = 0; i < 40; i++) {
            clock.advance(SECOND);
            t.onThrottled();
        }

        assertTrue(t.currentRate() >= 1.0, "rate " + t.currentRate());
        assertEquals(40, t.throttles());
    }

    @Test
    void unlimitedThrottleSlowsDownWhenThrottled() {
        Throttle t = new Throttle(0, clock::get);
        for (int i = 0; i < 30; i++) {
            t.reserve(50);
            clock.advance(100 * MS);
        }
        clock.advance(-50 * MS);

        t.onThrottled();

        // Achieved 500 items/s; now about 250.
        assertTrue(t.currentRate() >= 200 && t.currentRate() <= 300, "rate " + t.currentRate());
        assertEquals(1, t.throttles());
        send(t, 50);
        assertTrue(t.reserve(50) > 0, "a limited rate makes callers wait");
    }
}
