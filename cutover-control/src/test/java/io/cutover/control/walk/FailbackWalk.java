package io.cutover.control.walk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.Phase;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchRefusedException;
import io.cutover.control.SwitchResult;
import io.cutover.core.result.MigrationStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The walk of the failback oracle tests (issue 12), the same for every store that is cut over to DynamoDB and back
 * ({@code SqlFailbackIT}, {@code MongoFailbackIT}): with the application writing throughout, SOURCE_ONLY → DUAL_WRITE →
 * DUAL_WRITE_TARGET_READS → TARGET_ONLY (cut over), → DUAL_WRITE_TARGET_READS (rollback) → DUAL_WRITE (failback) →
 * SOURCE_ONLY (rollback), then cut over again to TARGET_ONLY, every move through the gated {@link PhaseSwitcher} and
 * nothing forced. Faults: the forward replicator killed with SIGKILL in DUAL_WRITE and the reverse one at TARGET_ONLY
 * (where it is the only road back), each restarted; the application's secondary slow for 1.5 s when the first handover
 * starts; a secondary write that lands and then times out in DUAL_WRITE_TARGET_READS; one key changed on both sides at
 * TARGET_ONLY ({@link Pair#conflictOnBothSides}), which the reverse counts and the version rule resolves. The caller
 * checks both sides against the application's oracle afterwards.
 */
public final class FailbackWalk {
    /** What the walk needs of the two sides of one kind of store. */
    public interface Pair {
        /** True when a verify of the two sides finds them identical; {@code verifyDir} non-null records it for the gates. */
        boolean identical(Path verifyDir);

        /**
         * At TARGET_ONLY, with the forward direction fenced: a newer version of one key written on the source, an older one
         * on DynamoDB by another writer; returns once the reverse counted the conflict.
         */
        void conflictOnBothSides(ReplicatorProcess reverse) throws Exception;
    }

    private final String app;
    private final PhaseSwitcher switcher;
    private final ReplicatorProcess forward;
    private final ReplicatorProcess reverse;
    private final OracleApplication application;
    private final Pair pair;
    private final Path verifyDir;
    private final List<String> timeline = new ArrayList<>();
    private final long t0 = System.nanoTime();

    public FailbackWalk(String app, PhaseSwitcher switcher, ReplicatorProcess forward, ReplicatorProcess reverse,
                        OracleApplication application, Pair pair, Path verifyDir) {
        this.app = app;
        this.switcher = switcher;
        this.forward = forward;
        this.reverse = reverse;
        this.application = application;
        this.pair = pair;
        this.verifyDir = verifyDir;
    }

    /**
     * The whole test of a path: the application writes on {@code pool} while {@link #run} walks; then it is stopped, waited
     * for and closed (even when the walk failed), and {@link #assertNoLoop} checks that the captures come to rest.
     */
    public void runWhileWriting(java.util.concurrent.ExecutorService pool) throws Exception {
        java.util.concurrent.Future<?> writing = pool.submit(application);
        try {
            run();
        } finally {
            application.stop();
            writing.get(60, TimeUnit.SECONDS);
            application.close();
        }
        assertNoLoop(3000);
    }

    /**
     * The walk, from SOURCE_ONLY with the forward direction in sync and the application writing, to TARGET_ONLY the second
     * time; then the application is stopped and the reverse drained, so both sides hold every acknowledged write.
     */
    public void run() throws Exception {
        Thread.sleep(1000);
        move(Phase.DUAL_WRITE, () -> switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE), false, "dual write", "test"));
        reverse.start();
        waitFor("the reverse in sync", reverse::inSync, forward, reverse);
        forward.kill9AndRestart();
        application.slowNextSecondary(1500); // the write in flight when the handover starts is slow on the target
        SwitchResult handover = move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.switchPhase(app,
                Optional.of(Phase.DUAL_WRITE_TARGET_READS), false, "handover", "test"));
        assertTrue(handover.gates().stream().anyMatch(g -> g.name().equals("handover") && g.passed()), handover.gates().toString());
        application.ambiguousNextSecondary(); // the next copy to the source lands, then times out
        Thread.sleep(1000);
        move(Phase.TARGET_ONLY, () -> switcher.switchPhase(app, Optional.of(Phase.TARGET_ONLY), false, "target only", "test"));
        waitFor("the forward direction fenced", forward::fenced, forward, reverse);
        Thread.sleep(500);
        reverse.kill9AndRestart();
        pair.conflictOnBothSides(reverse);
        Thread.sleep(500);
        move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.rollback(app, Phase.TARGET_ONLY, "on the way back", "test"));
        quiesceAndVerify("both directions drained", reverse, forward);
        SwitchResult back = move(Phase.DUAL_WRITE, () -> switcher.failback(app, Phase.DUAL_WRITE_TARGET_READS, false, "failback", "test"));
        assertTrue(back.gates().stream().anyMatch(g -> g.name().equals("reverse-drained") && g.passed()), back.gates().toString());
        Thread.sleep(1000);
        move(Phase.SOURCE_ONLY, () -> switcher.rollback(app, Phase.DUAL_WRITE, "back home", "test"));
        Thread.sleep(1000);
        // Cut over again: the forward carries SOURCE_ONLY's writes, a fresh verify, then the same three steps.
        waitFor("the forward direction applying again", () -> !forward.fenced(), forward, reverse);
        quiesceAndVerify("the forward drained", forward); // the reverse, fenced at SOURCE_ONLY, holds the forward's echoes
        move(Phase.DUAL_WRITE, () -> switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE), false, "dual write again", "test"));
        Thread.sleep(1000);
        move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE_TARGET_READS), false,
                "handover again", "test"));
        Thread.sleep(1000);
        move(Phase.TARGET_ONLY, () -> switcher.switchPhase(app, Optional.of(Phase.TARGET_ONLY), false, "target only again", "test"));
        Thread.sleep(1000);
        application.stop();
        waitFor("the reverse drained and both sides identical", () -> reverse.drained() && forward.fenced() && pair.identical(null),
                forward, reverse);
    }

    /** The application paused while both directions drain and a verify (recorded for the gates) finds both sides identical. */
    private void quiesceAndVerify(String what, ReplicatorProcess... draining) throws InterruptedException {
        application.pause();
        try {
            waitFor(what + " and both sides identical", () -> java.util.Arrays.stream(draining).allMatch(ReplicatorProcess::drained)
                    && pair.identical(null), forward, reverse);
            assertTrue(pair.identical(verifyDir), "a verify recorded for the gates");
        } finally {
            application.resume();
        }
    }

    /** What happened when, for the test's output. */
    public List<String> timeline() {
        return List.copyOf(timeline);
    }

    /**
     * Once the walk is over and nothing writes: the captures of both directions come to rest, and then neither captures
     * anything more for {@code quietMillis} (the reverse's writes into the source come back to the forward, and are refused
     * there; nothing loops). Capture and the status files trail the last writes, by seconds on a loaded machine, so the
     * counts are read until one whole window passes without a change; a loop never rests, and fails after a minute.
     */
    public void assertNoLoop(long quietMillis) throws InterruptedException {
        MigrationStatus[] rest = atRest(() -> forward.status().orElseThrow(), () -> reverse.status().orElseThrow(), quietMillis);
        timeline.add(String.format("quiet for %d ms: forward captured %d, reverse captured %d", quietMillis, rest[0].captured(),
                rest[1].captured()));
    }

    /**
     * Reads both directions' statuses until one whole {@code quietMillis} window passes in which neither captured anything,
     * and returns them (forward, reverse) as they were at its end. Capture and the status files trail the last writes, by
     * seconds on a loaded machine; a loop never rests, and fails the test after a minute.
     */
    public static MigrationStatus[] atRest(java.util.function.Supplier<MigrationStatus> forward,
                                           java.util.function.Supplier<MigrationStatus> reverse, long quietMillis) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (true) {
            MigrationStatus f1 = forward.get();
            MigrationStatus r1 = reverse.get();
            Thread.sleep(quietMillis);
            MigrationStatus f2 = forward.get();
            MigrationStatus r2 = reverse.get();
            if (f1.captured() == f2.captured() && r1.captured() == r2.captured()) {
                return new MigrationStatus[] {f2, r2};
            }
            assertTrue(System.nanoTime() < deadline, String.format("a loop: a minute after the last write the captures still grow"
                    + " (forward %d -> %d, reverse %d -> %d in %d ms)", f1.captured(), f2.captured(), r1.captured(), r2.captured(), quietMillis));
        }
    }

    /** A move as an operator makes it: refused by the gates while the replicators catch up, so tried again for a minute. */
    private SwitchResult move(Phase to, Move move) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                SwitchResult r = move.run();
                assertEquals(to, r.to());
                timeline.add(String.format("%5.1f s %s to %s (%d ms)", (System.nanoTime() - t0) / 1e9, r.action(), to,
                        (System.nanoTime() - start) / 1_000_000));
                return r;
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                forward.assertAlive("the move to " + to);
                reverse.assertAlive("the move to " + to);
                Thread.sleep(300);
            }
        }
    }

    private interface Move {
        SwitchResult run();
    }

    /** Waits up to 60 s for {@code condition}, failing at once when one of the replicators has exited. */
    public static void waitFor(String what, BooleanSupplier condition, ReplicatorProcess... replicators) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            for (ReplicatorProcess r : replicators) {
                r.assertAlive(what);
            }
            assertTrue(System.nanoTime() < deadline, what + ": not reached within 60 s");
            Thread.sleep(100);
        }
    }
}
