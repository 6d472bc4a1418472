package io.cutover.core.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class HybridClockTest {
    @Test
    void versionsIncreaseWhenTheWallClockStandsStillOrGoesBack() {
        AtomicLong wall = new AtomicLong(1_000);
        HybridClock clock = new HybridClock("a", wall::get);
        Version first = clock.next();
        Version second = clock.next();
        wall.set(900);
        Version third = clock.next();
        assertTrue(second.compareTo(first) > 0);
        assertTrue(third.compareTo(second) > 0);
        assertEquals(1_000, third.millis());
    }

    @Test
    void anObservedVersionFromAClockAheadIsOvertakenByTheNextWrite() {
        HybridClock behind = new HybridClock("slow", () -> 1_000);
        HybridClock ahead = new HybridClock("fast", () -> 5_000);
        Version stored = ahead.next();
        assertTrue(behind.next().compareTo(stored) < 0);
        behind.observe(stored.encoded());
        assertTrue(behind.next().newerThan(stored.encoded()));
    }

    @Test
    void stringOrderIsVersionOrder() {
        Version a = new Version(999, 5, "zzz");
        Version b = new Version(1_000, 0, "aaa");
        Version c = new Version(1_000, 10, "aaa");
        assertTrue(a.encoded().compareTo(b.encoded()) < 0);
        assertTrue(b.encoded().compareTo(c.encoded()) < 0);
        assertEquals(c, Version.parse(c.encoded()));
        assertTrue(a.newerThan(null));
        assertFalse(a.newerThan(a.encoded()));
    }

    @Test
    void theCounterOverflowsIntoTheNextMillisecond() {
        HybridClock clock = new HybridClock("a", () -> 7);
        clock.observe(new Version(7, Version.MAX_COUNTER, "b").encoded());
        Version next = clock.next();
        assertEquals(8, next.millis());
        assertEquals(0, next.counter());
    }

    @Test
    void aTombstoneIsInvisibleAndTheReservedAttributesAreHidden() {
        VersionAttribute v = VersionAttribute.of("ver");
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("1"));
        Version version = new Version(1, 0, "a");
        assertTrue(v.visible(v.tombstoneOf(key, version)).isEmpty());
        Map<String, AttributeValue> stamped = v.stamp(Map.of("pk", AttributeValue.fromS("1"), "x", AttributeValue.fromS("y")), version);
        assertEquals(version.encoded(), v.versionOf(stamped).orElseThrow());
        assertEquals(Map.of("pk", AttributeValue.fromS("1"), "x", AttributeValue.fromS("y")), v.visible(stamped).orElseThrow());
        assertThrows(CutoverException.class, () -> Version.parse("not-a-version"));
        assertThrows(CutoverException.class, () -> VersionAttribute.of("bad name"));
    }
}
