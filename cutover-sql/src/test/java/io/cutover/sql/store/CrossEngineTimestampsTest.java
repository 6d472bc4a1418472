package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** A timestamp with time zone going into a DATETIME, and back (decision 0200): UTC both ways, nothing lost. */
class CrossEngineTimestampsTest {
    @Test
    void anInstantGoesIntoALocalColumnInUtcAndALocalValueIntoAnInstantColumnAsUtc() {
        assertEquals(LocalDateTime.parse("2026-11-02T08:00:00.123456"), InverseMapping.localInUtc("2026-11-02T08:00:00.123456Z"));
        assertEquals(LocalDateTime.parse("2026-11-02T06:00:00.5"), InverseMapping.localInUtc("2026-11-02T08:00:00.5+02:00"));
        assertEquals(LocalDateTime.parse("2026-11-02T08:00"), InverseMapping.localInUtc("2026-11-02T08:00"), "a local value stays as it is");
        assertEquals(Instant.parse("2026-11-02T08:00:00.123456Z"), InverseMapping.instantOf("2026-11-02T08:00:00.123456"));
        assertEquals(Instant.parse("2026-11-02T07:00:00Z"), InverseMapping.instantOf("2026-11-02T08:00:00+01:00"));
    }
}
