package io.cutover.sql.capture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a Debezium offset counts as having reached the source's position read before the finish. */
class SourceFenceTest {
    @Test
    void aPostgresOffsetReachesTheFenceAtOrPastItsLsn() {
        SourceFence fence = new SourceFence(1_000, null, 0);
        assertFalse(fence.reachedBy(null), "nothing captured yet");
        assertFalse(fence.reachedBy(Map.of("lsn", 999L, "lsn_proc", 998L)));
        assertTrue(fence.reachedBy(Map.of("lsn", 1_000L)));
        assertTrue(fence.reachedBy(Map.of("lsn", 10L, "lsn_proc", 1_200L)));
    }

    @Test
    void aBinlogOffsetReachesTheFenceByFileNumberThenPosition() {
        SourceFence fence = new SourceFence(0, "mysql-bin.000009", 500);
        assertFalse(fence.reachedBy(Map.of("file", "mysql-bin.000009", "pos", 499L)));
        assertTrue(fence.reachedBy(Map.of("file", "mysql-bin.000009", "pos", 500L)));
        assertTrue(fence.reachedBy(Map.of("file", "mysql-bin.000010", "pos", 4L)), "a later file");
        assertFalse(fence.reachedBy(Map.of("file", "mysql-bin.000008", "pos", 9_000L)), "an earlier file");
        assertTrue(new SourceFence(0, "mysql-bin.999999", 4).reachedBy(Map.of("file", "mysql-bin.1000000", "pos", 4L)),
                "the number outgrew its zero padding");
        assertFalse(fence.reachedBy(Map.of("pos", 900L)), "an offset without a file has not reached anything");
    }
}
