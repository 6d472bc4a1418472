package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PhaseTest {
    @Test
    void phasesRouteReadsAndWritesAsDocumented() {
        assertEquals(Site.SOURCE, Phase.SOURCE_ONLY.primary());
        assertEquals(Optional.empty(), Phase.SOURCE_ONLY.secondary());
        assertEquals(Site.SOURCE, Phase.DUAL_WRITE.primary());
        assertEquals(Optional.of(Site.TARGET), Phase.DUAL_WRITE.secondary());
        assertEquals(Site.TARGET, Phase.DUAL_WRITE_TARGET_READS.primary());
        assertEquals(Optional.of(Site.SOURCE), Phase.DUAL_WRITE_TARGET_READS.secondary());
        assertEquals(Site.TARGET, Phase.TARGET_ONLY.primary());
        assertFalse(Phase.TARGET_ONLY.writesTo(Site.SOURCE));
        assertTrue(Phase.DUAL_WRITE.writesTo(Site.SOURCE) && Phase.DUAL_WRITE.writesTo(Site.TARGET));
    }

    @Test
    void everyAdjacentPairSharesThePrimaryOrWritesBoth() {
        // The switch-moment argument of decision 0032: a write that ran in the old phase is on the side the new phase reads.
        for (Phase p : Phase.values()) {
            for (Phase q : new Phase[] {p.next().orElse(p), p.previous().orElse(p)}) {
                assertTrue(p.writesTo(q.primary()) || p == Phase.SOURCE_ONLY || p == Phase.TARGET_ONLY && q.primary() == Site.TARGET,
                        p + " -> " + q);
            }
        }
        assertTrue(Phase.DUAL_WRITE.writesTo(Phase.DUAL_WRITE_TARGET_READS.primary()));
        assertTrue(Phase.DUAL_WRITE_TARGET_READS.writesTo(Phase.DUAL_WRITE.primary()));
    }

    @Test
    void nextAndPreviousMoveOneStep() {
        assertEquals(Optional.of(Phase.DUAL_WRITE), Phase.SOURCE_ONLY.next());
        assertEquals(Optional.empty(), Phase.TARGET_ONLY.next());
        assertEquals(Optional.empty(), Phase.SOURCE_ONLY.previous());
        assertEquals(Optional.of(Phase.DUAL_WRITE_TARGET_READS), Phase.TARGET_ONLY.previous());
    }

    @Test
    void parsesNamesLenientlyAndNamesTheFlagOnError() {
        assertEquals(Phase.DUAL_WRITE_TARGET_READS, Phase.parse("dual-write-target-reads", "--to"));
        CutoverException e = assertThrows(CutoverException.class, () -> Phase.parse("halfway", "--to"));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().startsWith("--to: 'halfway' is not a phase"), e.getMessage());
    }
}
