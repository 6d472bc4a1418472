package io.cutover.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KillScheduleTest {
    private static final List<String> PHASES = List.of("PREPARE", "BACKFILL", "CATCH_UP", "IN_SYNC");

    @Test
    void theSameSeedGivesTheSameScheduleInPhaseOrderCoveringEveryPhase() {
        KillSchedule a = KillSchedule.random(99, 20, PHASES, 1500);
        assertEquals(a.points(), KillSchedule.random(99, 20, PHASES, 1500).points());
        assertEquals(20, a.points().size());
        assertEquals(Set4.of(PHASES), a.points().stream().map(KillSchedule.KillPoint::phase).collect(Collectors.toSet()));
        for (int i = 1; i < a.points().size(); i++) {
            assertTrue(PHASES.indexOf(a.points().get(i - 1).phase()) <= PHASES.indexOf(a.points().get(i).phase()), a.describe());
        }
        assertTrue(a.points().stream().allMatch(p -> p.delayMillis() >= 0 && p.delayMillis() < 1500));
        assertTrue(a.describe().contains("seed 99"));
    }

    @Test
    void eachPhaseDrawsItsDelayWithinItsOwnBound() {
        java.util.LinkedHashMap<String, Long> bounds = new java.util.LinkedHashMap<>();
        bounds.put("PREPARE", 3_000L);
        bounds.put("CAPTURE", 100L);
        bounds.put("IN_SYNC", 1_500L);
        KillSchedule s = KillSchedule.random(5, 30, bounds);
        assertTrue(s.points().stream().filter(p -> p.phase().equals("CAPTURE")).allMatch(p -> p.delayMillis() < 100), s.describe());
        assertTrue(s.points().stream().anyMatch(p -> p.phase().equals("PREPARE") && p.delayMillis() >= 100), s.describe());
        assertEquals(java.util.Set.of("PREPARE", "CAPTURE", "IN_SYNC"), s.points().stream().map(KillSchedule.KillPoint::phase).collect(Collectors.toSet()));
    }

    /** Set.copyOf with a name that reads well above. */
    private static final class Set4 {
        static java.util.Set<String> of(List<String> l) {
            return java.util.Set.copyOf(l);
        }
    }
}
