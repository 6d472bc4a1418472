package io.cutover.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ChangeWriter;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The phase machine against in-memory connectors: the order of the phases, resuming, stop, the fence, capture failures. */
class PhaseMachineTest {
    @TempDir
    Path dir;

    private final InMemoryChangeLog log = new InMemoryChangeLog();
    private final MemoryJournal journal = new MemoryJournal();
    private final List<String> preparation = new ArrayList<>();
    private final MemorySource source = new MemorySource(log, preparation);
    private final MemorySink sink = new MemorySink(preparation);

    /** Every move, in order; the phase as a run left it (a new run of the same journal is a resume). */
    static final class MemoryJournal implements PhaseJournal {
        volatile String phase = "PREPARE";
        final List<String> moves = new ArrayList<>();
        long backfillItems;

        @Override
        public String phase() {
            return phase;
        }

        @Override
        public synchronized void enter(String newPhase) {
            phase = newPhase;
            moves.add(newPhase);
        }

        @Override
        public synchronized void backfilled(long items, long deadLettered) {
            backfillItems += items;
            enter("CATCH_UP");
        }
    }

    /** A table of {@code id -> v}: its snapshot is copied item by item (checkpointed in {@code copied}); changes go to the log. */
    static final class MemorySource implements SourceConnector {
        final Map<String, String> snapshot = new TreeMap<>();
        final Set<String> copied = ConcurrentHashMap.newKeySet();
        final List<Boolean> captureStarts = new ArrayList<>();
        final InMemoryChangeLog log;
        final List<String> preparation;
        volatile CutoverException failure;
        volatile Runnable afterEachCopiedItem = () -> { };
        volatile long pauseMillisPerItem;
        int backfills;
        int caughtUpChecks;
        boolean finished;
        private int sequence;

        MemorySource(InMemoryChangeLog log, List<String> preparation) {
            this.log = log;
            this.preparation = preparation;
        }

        synchronized void change(String id, String v) {
            sequence++;
            long now = System.currentTimeMillis();
            log.append(List.of(ChangeRecord.put("p", Integer.toString(sequence), key(id), item(id, v), now, now)),
                    new PartitionPosition("p", Integer.toString(sequence), false));
        }

        @Override
        public void validate() {
            preparation.add("source checked");
        }

        @Override
        public void prepare() {
            preparation.add("source prepared");
        }

        @Override
        public Capture openCapture(ChangeLog changeLog, DeadLetterSink deadLetters) {
            assertSame(log, changeLog);
            return new Capture() {
                @Override
                public void start(boolean beforeBackfill) {
                    captureStarts.add(beforeBackfill);
                }

                @Override
                public CutoverException failure() {
                    return failure;
                }

                @Override
                public boolean awaitCaughtUp(BooleanSupplier stopRequested) {
                    caughtUpChecks++;
                    return !stopRequested.getAsBoolean();
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public Backfill backfill(DeadLetterSink deadLetters) {
            backfills++;
            return new Backfill() {
                private volatile boolean stop;

                @Override
                public BackfillResult run(TargetWriter writer, CopyProgress progress) {
                    long items = 0;
                    for (Map.Entry<String, String> e : snapshot.entrySet()) {
                        if (stop) {
                            break;
                        }
                        if (copied.contains(e.getKey())) {
                            continue;
                        }
                        writer.write(List.of(item(e.getKey(), e.getValue()))).join();
                        copied.add(e.getKey());
                        items++;
                        afterEachCopiedItem.run();
                        sleep(pauseMillisPerItem);
                    }
                    return new BackfillResult(items, 0, copied.size() == snapshot.size());
                }

                @Override
                public void requestStop() {
                    stop = true;
                }
            };
        }

        @Override
        public void finish() {
            finished = true;
        }
    }

    /** A map of {@code id -> v}. */
    static final class MemorySink implements SinkConnector {
        final Map<String, String> items = new ConcurrentHashMap<>();
        final List<String> preparation;

        MemorySink(List<String> preparation) {
            this.preparation = preparation;
        }

        @Override
        public void prepare() {
            preparation.add("target prepared");
        }

        @Override
        public TargetWriter bulkWriter(DeadLetterSink deadLetters) {
            return new TargetWriter() {
                @Override
                public CompletableFuture<WriteOutcome> write(List<Map<String, AttributeValue>> batch) {
                    batch.forEach(i -> items.put(i.get("id").s(), i.get("v").s()));
                    return CompletableFuture.completedFuture(new WriteOutcome(batch.size(), 0, 0));
                }

                @Override
                public long retries() {
                    return 0;
                }

                @Override
                public long throttles() {
                    return 0;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public ChangeWriter unconditionalWriter(TargetWriter bulk) {
            return changes -> {
                for (ChangeRecord c : changes) {
                    if (c.operation() == ChangeRecord.Operation.PUT) {
                        items.put(c.key().get("id").s(), c.image().get("v").s());
                    } else {
                        items.remove(c.key().get("id").s());
                    }
                }
                return new WriteOutcome(changes.size(), 0, 0);
            };
        }

        @Override
        public VersionedWriter versionedWriter(io.cutover.core.version.VersionAttribute rule, DeadLetterSink deadLetters) {
            return fail("no version rule was set");
        }
    }

    static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    static Map<String, AttributeValue> item(String id, String v) {
        return Map.of("id", AttributeValue.fromS(id), "v", AttributeValue.fromS(v));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private PhaseMachine machine(EngineOptions options) {
        return new PhaseMachine(source, sink, journal, () -> log, s -> MigrationStatus.of(s.phase(), "memory", "memory", "", 0, s.log(),
                s.stats(), s.rate(), Map.of()).withDeadLettered(s.deadLettered()).withVersionRule(s.olderRefused(), s.conflicts(), s.fenced()),
                options);
    }

    private PhaseMachine machine() {
        return machine(EngineOptions.forward(dir));
    }

    private void snapshot(int rows) {
        for (int i = 0; i < rows; i++) {
            source.snapshot.put(String.format("k%04d", i), "snapshot");
        }
    }

    @Test
    void runsEveryPhaseInOrderAndFinishesOnceDrained() {
        snapshot(50);
        source.change("k0001", "changed");
        source.change("new", "captured");

        MigrationStatus done = machine().run("drained", true, CopyProgress.NONE, s -> { });

        assertEquals(List.of("CAPTURE", "BACKFILL", "CATCH_UP", "IN_SYNC", "COMPLETE"), journal.moves);
        assertEquals("COMPLETE", done.phase());
        assertEquals(List.of(true), source.captureStarts, "capture started before the backfill, once");
        assertEquals(List.of("source checked", "target prepared", "source prepared"), preparation,
                "the source retains changes only once the target is ready");
        assertEquals(50, journal.backfillItems);
        assertTrue(source.caughtUpChecks >= 1, "drained asked the source whether capture caught up with it");
        assertTrue(source.finished, "the source was released");
        assertEquals(51, sink.items.size());
        assertEquals("changed", sink.items.get("k0001"), "the change captured during the backfill wins over the copied row");
        assertEquals("captured", sink.items.get("new"));
        assertEquals(log.lastSequence(), log.applied());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CAPTURE", "BACKFILL", "CATCH_UP", "IN_SYNC"})
    void resumesFromThePhaseItWasIn(String phase) {
        snapshot(20);
        journal.phase = phase;
        source.change("k0002", "changed");

        MigrationStatus status = machine().run("in-sync", false, CopyProgress.NONE, s -> { });

        assertEquals("IN_SYNC", status.phase());
        assertEquals(List.of(), preparation, "a resumed migration is not prepared again");
        assertEquals(List.of(phase.equals("CAPTURE")), source.captureStarts);
        boolean copies = phase.equals("CAPTURE") || phase.equals("BACKFILL");
        assertEquals(copies ? 1 : 0, source.backfills, "the backfill runs only before CATCH_UP");
        List<String> expected = switch (phase) {
            case "CAPTURE" -> List.of("BACKFILL", "CATCH_UP", "IN_SYNC");
            case "BACKFILL" -> List.of("CATCH_UP", "IN_SYNC");
            case "CATCH_UP" -> List.of("IN_SYNC");
            default -> List.of();
        };
        assertEquals(expected, journal.moves);
        assertEquals("changed", sink.items.get("k0002"));
        assertEquals(copies ? 20 : 1, sink.items.size());
    }

    @Test
    void aStopDuringTheBackfillKeepsThePhaseAndTheNextRunCopiesOnlyWhatIsLeft() {
        snapshot(100);
        PhaseMachine first = machine();
        source.afterEachCopiedItem = () -> {
            if (source.copied.size() == 30) {
                first.requestStop();
            }
        };

        MigrationStatus stopped = first.run("in-sync", false, CopyProgress.NONE, s -> { });

        assertEquals("BACKFILL", stopped.phase());
        assertEquals("BACKFILL", journal.phase);
        assertEquals(30, sink.items.size());
        source.afterEachCopiedItem = () -> { };
        sink.items.clear();
        MigrationStatus resumed = machine().run("in-sync", false, CopyProgress.NONE, s -> { });
        assertEquals("IN_SYNC", resumed.phase());
        assertEquals(70, sink.items.size(), "only the rows not checkpointed were copied again");
        assertEquals(70, journal.backfillItems);
    }

    @Test
    void aStopRequestedBeforeTheRunStopsItAtOnce() {
        snapshot(10);
        PhaseMachine m = machine();
        m.requestStop();

        MigrationStatus status = m.run(null, false, CopyProgress.NONE, s -> { });

        assertEquals("BACKFILL", status.phase());
        assertTrue(sink.items.isEmpty());
    }

    @Test
    void aCaptureFailureStopsTheBackfillAndIsThrown() {
        snapshot(1_000);
        source.pauseMillisPerItem = 5;
        CutoverException gap = new CutoverException(ErrorCode.STREAM_GAP, "the stream's retention passed a change not read");
        source.afterEachCopiedItem = () -> {
            if (source.copied.size() == 10) {
                source.failure = gap;
            }
        };
        long start = System.nanoTime();

        CutoverException thrown = assertThrows(CutoverException.class, () -> machine().run("in-sync", false, CopyProgress.NONE, s -> { }));

        assertSame(gap, thrown);
        assertEquals("BACKFILL", journal.phase, "a failed capture never lets the migration leave BACKFILL");
        assertTrue(source.copied.size() < 1_000, "the copy was stopped, not run to its end");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4));
    }

    @Test
    void aCaptureFailureDuringTheLiveApplyIsThrown() {
        journal.phase = "IN_SYNC";
        source.failure = new CutoverException(ErrorCode.STREAM_GAP, "gap");

        CutoverException thrown = assertThrows(CutoverException.class, () -> machine().run(null, false, CopyProgress.NONE, s -> { }));

        assertEquals(ErrorCode.STREAM_GAP, thrown.code());
        assertEquals("IN_SYNC", journal.phase);
    }

    @Test
    void whileFencedCaptureGoesOnAndNothingIsApplied() throws Exception {
        journal.phase = "IN_SYNC";
        AtomicBoolean open = new AtomicBoolean(false);
        PhaseMachine m = machine(EngineOptions.forward(dir).withFence(open::get));
        List<MigrationStatus> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<MigrationStatus> run = CompletableFuture.supplyAsync(() -> m.run(null, false, CopyProgress.NONE, reports::add));
        for (int i = 0; i < 200; i++) {
            source.change("k" + i, "live");
        }
        Thread.sleep(1_500);

        assertEquals(0, log.applied(), "nothing applied while fenced");
        assertTrue(sink.items.isEmpty());
        assertTrue(m.fenced());
        assertTrue(reports.stream().anyMatch(MigrationStatus::fenced), "the status says fenced");
        open.set(true);
        long deadline = System.currentTimeMillis() + 10_000;
        while (log.applied() < log.lastSequence() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        m.requestStop();
        MigrationStatus last = run.get(10, TimeUnit.SECONDS);

        assertEquals(200, sink.items.size(), "every change applied once the fence opened");
        assertFalse(last.fenced());
    }

    @Test
    void captureOnlySkipsTheBackfill() {
        snapshot(10);
        source.change("k0001", "reverse");

        MigrationStatus status = machine(EngineOptions.forward(dir).withCaptureOnly(true)).run("in-sync", false, CopyProgress.NONE, s -> { });

        assertEquals(List.of("CAPTURE", "CATCH_UP", "IN_SYNC"), journal.moves);
        assertEquals("IN_SYNC", status.phase());
        assertEquals(0, source.backfills);
        assertEquals(Map.of("k0001", "reverse"), sink.items);
    }

    @Test
    void untilBackfillStopsBeforeApplyingAnything() {
        snapshot(5);
        source.change("k0001", "changed");

        MigrationStatus status = machine().run("backfill", false, CopyProgress.NONE, s -> { });

        assertEquals("CATCH_UP", status.phase());
        assertEquals(0, log.applied());
        assertEquals("snapshot", sink.items.get("k0001"));
    }

    @Test
    void aCompleteMigrationIsNotRunAgain() {
        journal.phase = "COMPLETE";

        MigrationStatus status = machine().run("drained", true, CopyProgress.NONE, s -> { });

        assertEquals("COMPLETE", status.phase());
        assertTrue(source.captureStarts.isEmpty(), "no capture opened");
        assertEquals(List.of(), preparation);
    }
}
