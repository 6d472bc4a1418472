package io.cutover.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.InMemoryChangeLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class CatchUpLoopTest {
    /** A migration's phase, as the loop sees it, with every call recorded. */
    static final class Phases {
        String phase = "CATCH_UP";
        final List<String> events = new ArrayList<>();
        volatile boolean stop;
        RuntimeException captureFailure;

        public void failIfCaptureFailed() {
            if (captureFailure != null) {
                throw captureFailure;
            }
        }

        public boolean stopRequested() {
            return stop;
        }

        public void enterInSync() {
            phase = "IN_SYNC";
            events.add("in-sync");
        }

        public void report(double rate) {
            events.add("report");
        }

        CatchUpLoop.Host host() {
            return new CatchUpLoop.Host(this::failIfCaptureFailed, this::stopRequested, () -> phase, this::enterInSync, this::report);
        }
    }

    @Test
    void untilInSyncAppliesTheBacklogMovesToInSyncOnceAndStops() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Map<String, Map<String, AttributeValue>> expected = ChangeApplierTest.fill(log, 5_000, 7);
        ChangeApplierTest.MapTarget target = new ChangeApplierTest.MapTarget();
        Phases phases = new Phases();

        CatchUpLoop.run(log, new ChangeApplier(log, target, 1000, System::currentTimeMillis), "in-sync", phases.host());

        assertEquals("IN_SYNC", phases.phase);
        assertEquals(1, phases.events.stream().filter("in-sync"::equals).count(), phases.events.toString());
        assertEquals("report", phases.events.get(0), "a status first");
        assertTrue(log.lastSequence() - log.applied() <= CatchUpLoop.IN_SYNC_BACKLOG);
        assertTrue(target.items.size() <= expected.size());
    }

    @Test
    void untilDrainedEndsOnlyAfterEverythingIsAppliedAndTheLogWasQuiet() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Map<String, Map<String, AttributeValue>> expected = ChangeApplierTest.fill(log, 3_000, 11);
        ChangeApplierTest.MapTarget target = new ChangeApplierTest.MapTarget();
        Phases phases = new Phases();
        long start = System.nanoTime();

        CatchUpLoop.run(log, new ChangeApplier(log, target, 1000, System::currentTimeMillis), "drained", phases.host());

        assertEquals(log.lastSequence(), log.applied(), "nothing left to apply");
        assertEquals(expected, target.items, "the target holds the last change of every key");
        assertTrue(System.nanoTime() - start >= 2_000_000_000L, "waited for two quiet seconds");
    }

    @Test
    void aCaptureFailureEndsTheLoopWithThatFailure() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        ChangeApplierTest.fill(log, 100, 3);
        Phases phases = new Phases();
        phases.captureFailure = new CutoverException(ErrorCode.STREAM_GAP, "shard gone");

        CutoverException thrown = assertThrows(CutoverException.class, () -> CatchUpLoop.run(log,
                new ChangeApplier(log, new ChangeApplierTest.MapTarget(), 1000, System::currentTimeMillis), null, phases.host()));
        assertSame(phases.captureFailure, thrown);
        assertEquals(0, log.applied(), "nothing applied after the capture failed");
    }

    @Test
    void aStopRequestEndsAnOpenEndedRun() throws Exception {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Phases phases = new Phases();
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                return;
            }
            phases.stop = true;
        });
        stopper.start();
        CatchUpLoop.run(log, new ChangeApplier(log, new ChangeApplierTest.MapTarget(), 1000, System::currentTimeMillis), null, phases.host());
        stopper.join();
        assertEquals("IN_SYNC", phases.phase, "an empty log is in sync");
    }
}
