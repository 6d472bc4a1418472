package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which phases let each direction apply (docs/decisions/0074-failback-and-the-replication-fence.md). */
class ReplicationFenceTest {
    @Test
    void forwardStopsAtTargetOnlyAndReverseAppliesEverywhereButSourceOnly() {
        Set<Phase> forward = EnumSet.noneOf(Phase.class);
        Set<Phase> reverse = EnumSet.noneOf(Phase.class);
        for (Phase p : Phase.values()) {
            if (ReplicationFence.Direction.FORWARD.appliesIn(p)) {
                forward.add(p);
            }
            if (ReplicationFence.Direction.REVERSE.appliesIn(p)) {
                reverse.add(p);
            }
        }
        assertEquals(EnumSet.of(Phase.SOURCE_ONLY, Phase.DUAL_WRITE, Phase.DUAL_WRITE_TARGET_READS), forward);
        assertEquals(EnumSet.of(Phase.DUAL_WRITE, Phase.DUAL_WRITE_TARGET_READS, Phase.TARGET_ONLY), reverse);
    }

    @Test
    void bothDirectionsApplyWhileBothSitesAreWrittenSoNoPhaseLeavesAWriteBehind() {
        for (Phase p : Phase.values()) {
            boolean both = ReplicationFence.Direction.FORWARD.appliesIn(p) && ReplicationFence.Direction.REVERSE.appliesIn(p);
            assertEquals(p.secondary().isPresent(), both, p.name());
        }
    }
}
