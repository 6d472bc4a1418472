package io.cutover.core.engine;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.CatchUpLoop;
import io.cutover.core.apply.ChangeApplier;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one phase machine of every live migration (docs/decisions/0240-one-engine.md): it drives a {@link SourceConnector}
 * (capture into the change log, the backfill) and a {@link SinkConnector} (bulk writer, live writer) through
 *
 * <p>PREPARE (the source validated, then the target made ready, then the source asked to retain changes; nothing saved
 * before) → CAPTURE (capture's start durable before anything is
 * copied) → BACKFILL (the snapshot, checkpointed, stopped as soon as capture fails) → CATCH_UP (the whole log applied in
 * per-key order, 0011) → IN_SYNC → COMPLETE ({@code finish}: after drained, capture closed and the source released).
 * A capture-only run (the reverse direction) goes from CAPTURE to CATCH_UP.
 *
 * <p>Every move is saved in the {@link PhaseJournal} before the work of the next phase starts, so a run killed at any point
 * resumes from the phase it was in; positions are the change log's, saved by the applier only after the target
 * acknowledged. {@link #run} blocks until {@code until} or {@link #requestStop}.
 */
public final class PhaseMachine {
    /** Turns what the engine knows into the migration's status (each migration keeps its own status shape). */
    @FunctionalInterface
    public interface StatusView {
        MigrationStatus status(EngineSnapshot snapshot);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PhaseMachine.class);
    private static final long DRAIN_ROUND = 10_000;

    private final SourceConnector source;
    private final SinkConnector sink;
    private final PhaseJournal journal;
    private final Supplier<ChangeLog> changeLog;
    private final StatusView view;
    private final EngineOptions options;
    private volatile boolean stop;
    private volatile Backfill backfill;
    private volatile boolean fenced;
    private volatile VersionedWriter liveWriter;
    private volatile long conflictsBefore;
    private volatile FileDeadLetterSink deadLetters;

    /** @param changeLog opens the migration's change log (once per run; closed at its end) */
    public PhaseMachine(SourceConnector source, SinkConnector sink, PhaseJournal journal, Supplier<ChangeLog> changeLog,
                        StatusView view, EngineOptions options) {
        this.source = source;
        this.sink = sink;
        this.journal = journal;
        this.changeLog = changeLog;
        this.view = view;
        this.options = options;
    }

    /**
     * Runs until {@code until}: "backfill" (the copy is done), "in-sync" (the backlog is small), "drained" (in sync, and
     * capture caught up with the source as of the moment the apply went quiet: for when writers have stopped), or null: until
     * stopped. With {@code finish}, once drained, capture is closed, the source released and the phase COMPLETE.
     */
    public MigrationStatus run(String until, boolean finish, CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        if (journal.phase().equals("COMPLETE")) {
            return status(null, null, 0);
        }
        if (journal.phase().equals("PREPARE")) {
            // checks first; the source retains changes (a slot) only once the target is ready, so a refused target leaves none
            source.validate();
            sink.prepare();
            source.prepare();
            journal.enter("CAPTURE");
        }
        source.check();
        Path dir = options.stateDir();
        try (ChangeLog log = changeLog.get();
             FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve(EngineOptions.DEAD_LETTERS_FILE));
             TargetWriter writer = sink.bulkWriter(dead);
             Capture capture = source.openCapture(log, dead)) {
            deadLetters = dead;
            capture.start(journal.phase().equals("CAPTURE"));
            if (journal.phase().equals("CAPTURE")) {
                journal.enter(options.captureOnly() ? "CATCH_UP" : "BACKFILL");
            }
            capture.run();
            if (journal.phase().equals("BACKFILL")) {
                onStatus.accept(status(log, null, 0));
                Backfill.BackfillResult copied = backfillWatching(capture, writer, dead, progress);
                failOn(capture);
                if (!copied.complete()) {
                    return saveStatus(status(log, null, 0));
                }
                journal.backfilled(copied.items(), copied.deadLettered());
            }
            if ("backfill".equals(until)) {
                return saveStatus(status(log, null, 0));
            }
            return applyLive(log, capture, writer, dead, until, finish, onStatus);
        } finally {
            deadLetters = null;
        }
    }

    private MigrationStatus applyLive(ChangeLog log, Capture capture, TargetWriter writer, FileDeadLetterSink dead, String until,
                                      boolean finish, Consumer<MigrationStatus> onStatus) {
        Path dir = options.stateDir();
        try (FileDeadLetterSink conflictList = options.listConflicts() ? new FileDeadLetterSink(dir.resolve(EngineOptions.CONFLICTS_FILE)) : null;
             VersionedWriter versioned = options.versionRule().map(rule -> sink.versionedWriter(rule, dead)).orElse(null)) {
            if (conflictList != null) {
                // The reverse direction lists its conflicts (0073); the forward one only counts refusals: listing costs a read
                // per refused change (0074).
                conflictsBefore = countLines(dir.resolve(EngineOptions.CONFLICTS_FILE));
                versioned.listConflictsIn(conflictList);
            }
            liveWriter = versioned;
            ChangeApplier applier = new ChangeApplier(log, versioned != null ? versioned : sink.unconditionalWriter(writer), 1000,
                    System::currentTimeMillis);
            if (journal.phase().equals("IN_SYNC")) {
                applier.resetLag();
            }
            applier.onApplied(options.onApplied());
            boolean drained = catchUp(log, capture, applier, until, onStatus);
            if (finish && drained && !stop) {
                capture.close();
                source.finish();
                journal.enter("COMPLETE");
            }
            return saveStatus(status(log, applier, 0));
        }
    }

    /** The catch-up loop, and for "drained" the check that capture caught up with the source; true when drained. */
    private boolean catchUp(ChangeLog log, Capture capture, ChangeApplier applier, String until, Consumer<MigrationStatus> onStatus) {
        double[] rate = {0};
        while (true) {
            rate[0] = CatchUpLoop.run(log, applier, until, new CatchUpLoop.Host(() -> failOn(capture), () -> stop, journal::phase,
                    () -> journal.enter("IN_SYNC"), r -> onStatus.accept(saveStatus(status(log, applier, r))), this::fenceOpen));
            if (!"drained".equals(until) || stop || !journal.phase().equals("IN_SYNC")) {
                return false;
            }
            if (!capture.awaitCaughtUp(() -> stop)) {
                return false;
            }
            if (fenceOpen()) {
                // Everything the source held when the apply went quiet is in the log now: apply it all.
                while (applier.applyAvailable(DRAIN_ROUND) > 0) {
                    failOn(capture);
                }
                failOn(capture);
                if (log.lastSequence() == log.applied()) {
                    return true;
                }
            }
            LOG.info("quiet, but capture had not caught up with the source yet: applying on");
        }
    }

    private Backfill.BackfillResult backfillWatching(Capture capture, TargetWriter writer, FileDeadLetterSink dead, CopyProgress progress) {
        Backfill b = source.backfill(dead);
        backfill = b;
        if (stop) {
            b.requestStop();
        }
        // A capture failure (a gap) must stop the copy now, not when it ends.
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-capture-watch");
            t.setDaemon(true);
            return t;
        });
        watch.scheduleAtFixedRate(() -> {
            if (capture.failure() != null) {
                b.requestStop();
            }
        }, 1, 1, TimeUnit.SECONDS);
        try {
            return b.run(writer, progress);
        } finally {
            watch.shutdownNow();
            backfill = null;
        }
    }

    private boolean fenceOpen() {
        boolean open = options.applyWhen().getAsBoolean();
        if (open == fenced) {
            LOG.info(open ? "the fence opened: applying again" : "fenced: the registry's phase forbids this direction to apply;"
                    + " capture goes on");
        }
        fenced = !open;
        return open;
    }

    private static void failOn(Capture capture) {
        CutoverException failure = capture.failure();
        if (failure != null) {
            throw failure;
        }
    }

    private MigrationStatus status(ChangeLog log, ChangeApplier applier, double rate) {
        FileDeadLetterSink dead = deadLetters;
        VersionedWriter v = liveWriter;
        return view.status(new EngineSnapshot(journal.phase(), log, applier == null ? null : applier.stats(), rate,
                dead == null ? 0 : dead.count(), v != null, olderRefused(), conflicts(), fenced));
    }

    private MigrationStatus saveStatus(MigrationStatus status) {
        JsonStateFile.tryWrite(options.stateDir().resolve(EngineOptions.STATUS_FILE), status);
        return status;
    }

    /** Changes the live apply refused by the version rule so far in this run. */
    public long olderRefused() {
        VersionedWriter v = liveWriter;
        return v == null ? 0 : v.olderRefused();
    }

    /** Changes the live apply wrote under the version rule so far in this run. */
    public long landed() {
        VersionedWriter v = liveWriter;
        return v == null ? 0 : v.landed();
    }

    /** True conflicts listed so far, earlier runs' included. */
    public long conflicts() {
        VersionedWriter v = liveWriter;
        return conflictsBefore + (v == null ? 0 : v.conflicts());
    }

    /** True while the fence forbids applying. */
    public boolean fenced() {
        return fenced;
    }

    /** Stops after the writes in flight are acknowledged; the next run resumes from the same phase. Any thread. */
    public void requestStop() {
        stop = true;
        Backfill b = backfill;
        if (b != null) {
            b.requestStop();
        }
    }

    private static long countLines(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read " + file + ": " + e.getMessage()
                    + "; check the state directory's permissions", e);
        }
    }
}
