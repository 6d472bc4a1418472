package io.cutover.core.apply;

import io.cutover.core.changelog.ChangeLog;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop every live migration runs once its backfill is done, whatever the source: apply the change
 * log in bounded rounds (so that status, stop requests and capture failures are seen during a long
 * catch-up), move from CATCH_UP to IN_SYNC when the backlog is small, report once a second, and end
 * as {@code --until} asks: {@code in-sync} as soon as the target is in sync, {@code drained} once in
 * sync and nothing new arrived for two seconds, anything else only on a stop request
 * (docs/decisions/0011-apply-in-chunks.md).
 */
public final class CatchUpLoop {
    /** A backlog at or below this counts as in sync. */
    public static final long IN_SYNC_BACKLOG = 100;
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpLoop.class);
    private static final long ROUND = 10_000;
    private static final long DRAINED_NANOS = 2_000_000_000L;

    /**
     * What the loop needs from its migration.
     *
     * @param failIfCaptureFailed throws the capture's failure, if the capture failed
     * @param stopRequested       true once the user asked to stop
     * @param phase               the migration's phase: the loop runs in CATCH_UP and IN_SYNC
     * @param enterInSync         persists the move from CATCH_UP to IN_SYNC
     * @param report              publishes (and saves) the status, given changes applied per second since the last report
     * @param applyAllowed        false while a fence forbids applying (docs/decisions/0074): the loop keeps reporting and
     *                            capture keeps filling the log, nothing is written; asked before every round
     */
    public record Host(Runnable failIfCaptureFailed, BooleanSupplier stopRequested, Supplier<String> phase, Runnable enterInSync,
                       DoubleConsumer report, BooleanSupplier applyAllowed) {
        /** A host with no fence. */
        public Host(Runnable failIfCaptureFailed, BooleanSupplier stopRequested, Supplier<String> phase, Runnable enterInSync,
                    DoubleConsumer report) {
            this(failIfCaptureFailed, stopRequested, phase, enterInSync, report, () -> true);
        }

        boolean inSync() {
            return "IN_SYNC".equals(phase.get());
        }
    }

    private CatchUpLoop() {
    }

    /** Runs until {@code until} is met or a stop is requested; returns the last apply rate measured. */
    public static double run(ChangeLog log, ChangeApplier applier, String until, Host host) {
        long lastReport = 0;
        long appliedAtReport = log.applied();
        double rate = 0;
        long quietSince = System.nanoTime();
        long lastSize = -1;
        host.report().accept(0);
        while (!host.stopRequested().getAsBoolean()) {
            host.failIfCaptureFailed().run();
            long taken = host.applyAllowed().getAsBoolean() ? applier.applyAvailable(ROUND) : 0;
            long backlog = log.lastSequence() - log.applied();
            if ("CATCH_UP".equals(host.phase().get()) && backlog <= IN_SYNC_BACKLOG) {
                host.enterInSync().run();
                LOG.info("in sync: backlog {}", backlog);
                applier.resetLag();
                host.report().accept(rate);
            }
            long now = System.currentTimeMillis();
            if (now - lastReport >= 1000) {
                rate = lastReport == 0 ? 0 : (log.applied() - appliedAtReport) * 1000.0 / (now - lastReport);
                appliedAtReport = log.applied();
                lastReport = now;
                host.report().accept(rate);
            }
            if ("in-sync".equals(until) && host.inSync()) {
                break;
            }
            long size = log.size();
            // Quiet: no new change in the log (heartbeats add none) and nothing left to apply.
            if (size != lastSize || backlog > 0) {
                lastSize = size;
                quietSince = System.nanoTime();
            } else if ("drained".equals(until) && host.inSync() && System.nanoTime() - quietSince > DRAINED_NANOS) {
                break;
            }
            if (taken == 0) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return rate;
    }
}
