package io.cutover.control;

import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.ReplicationFence;
import io.cutover.client.Site;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover bench switch --live}: the cut-over as an operator runs it, with nothing forced. The forward migration
 * (source to target) and the reverse one (the target's stream back to the source, capture only) run with their
 * replication fences; a heartbeat application writes a new item and increments a counter every few milliseconds through
 * {@link MigratingStore}; the gated {@link PhaseSwitcher} walks SOURCE_ONLY → DUAL_WRITE, then {@code cycles} times
 * DUAL_WRITE → DUAL_WRITE_TARGET_READS → TARGET_ONLY → (rollback) DUAL_WRITE_TARGET_READS → (failback) DUAL_WRITE,
 * each move waiting for its gates as an operator would (a verify with recheck, run while the heartbeat writes, before
 * each failback). Reports the heartbeat's gaps, failed and lost writes, each site's counter against the acknowledged
 * increments, and the lag of both directions. The source table (with a stream) must exist; the target is created.
 */
public final class LiveSwitchBench {
    /** The benchmark's result: the heartbeat's run, every move, both directions' lag p99 (the last status of each). */
    public record Result(String benchmark, long pollMillis, SwitchBench.Run run, List<SwitchBench.Switch> moves, long forwardLagP99Millis,
                         long reverseLagP99Millis, long forwardRefused, long reverseRefused, long reverseConflicts, Map<String, String> goals) {
    }

    private static final String APP = "bench-live";
    private final DynamoDbEndpoint source;
    private final DynamoDbEndpoint target;
    private final DynamoDbClient sourceClient;
    private final DynamoDbClient targetClient;
    private final EndpointRegistry registry;
    private final String sourceTable;
    private final String targetTable;
    private final Path work;
    private final Duration poll;
    private final Consumer<String> note;

    public LiveSwitchBench(DynamoDbEndpoint source, DynamoDbEndpoint target, DynamoDbClient sourceClient, DynamoDbClient targetClient,
                           EndpointRegistry registry, String sourceTable, String targetTable, Path work, Duration poll, Consumer<String> note) {
        this.source = source;
        this.target = target;
        this.sourceClient = sourceClient;
        this.targetClient = targetClient;
        this.registry = registry;
        this.sourceTable = sourceTable;
        this.targetTable = targetTable;
        this.work = work;
        this.poll = poll;
        this.note = note;
    }

    public Result run(int cycles, long pauseMillis) throws Exception {
        Path forwardDir = work.resolve("forward");
        Path reverseDir = work.resolve("reverse");
        Path verifyDir = work.resolve("verify");
        registry.register(APP, StoreEndpoint.table(sourceTable), StoreEndpoint.table(targetTable), forwardDir.toString(), verifyDir.toString(),
                reverseDir.toString(), "cutover bench", "bench switch --live");
        PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC()));
        AtomicReference<MigrationStatus> fwd = new AtomicReference<>();
        AtomicReference<MigrationStatus> rev = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "cutover-bench-live");
            t.setDaemon(true);
            return t;
        });
        try (DynamoDbMigration forward = new DynamoDbMigration(CopySettings.builder(source, target).table(sourceTable, targetTable)
                .stateDir(forwardDir).build(), sourceTable, targetTable, false);
             DynamoDbMigration reverse = new DynamoDbMigration(CopySettings.builder(target, source).table(targetTable, sourceTable)
                     .stateDir(reverseDir).build(), targetTable, sourceTable, true)) {
            forward.applyWhen(ReplicationFence.of(registry, APP, ReplicationFence.Direction.FORWARD));
            note.accept("live: forward migration to IN_SYNC...");
            Future<?> f = pool.submit(() -> forward.run(null, CopyProgress.NONE, fwd::set));
            await("the forward migration IN_SYNC", () -> inSync(fwd), f);
            reverse.applyWhen(ReplicationFence.of(registry, APP, ReplicationFence.Direction.REVERSE));
            reverse.captureOnly(true);
            note.accept("live: reverse capture to IN_SYNC...");
            Future<?> r = pool.submit(() -> reverse.run(null, CopyProgress.NONE, rev::set));
            await("the reverse capture IN_SYNC", () -> inSync(rev), r);
            verify(source, target, sourceTable, targetTable, verifyDir);

            List<SwitchBench.Switch> moves = new ArrayList<>();
            List<Long> moveTimes = new ArrayList<>();
            SwitchBench.Run run;
            try (RegistryWatcher watcher = new RegistryWatcher(registry, APP, poll).start();
                 MigratingStore store = MigratingStore.builder().watcher(watcher)
                         .source(new DynamoDbStore(sourceClient, sourceTable, List.of("pk", "sk")))
                         .target(new DynamoDbStore(targetClient, targetTable, List.of("pk", "sk"))).journalDir(work.resolve("journal")).build()) {
                HeartbeatWriter writer = new HeartbeatWriter(store, APP + "#", pauseMillis).start();
                long t0 = System.nanoTime();
                Thread.sleep(1000);
                move(store, Phase.DUAL_WRITE, () -> switcher.switchPhase(APP, Optional.of(Phase.DUAL_WRITE), false, "bench", "cutover bench"),
                        moves, moveTimes, f, r);
                for (int c = 0; c < cycles; c++) {
                    note.accept(String.format(Locale.ROOT, "live: cycle %d of %d: to TARGET_ONLY and back...", c + 1, cycles));
                    Thread.sleep(1000);
                    move(store, Phase.DUAL_WRITE_TARGET_READS, () -> switcher.switchPhase(APP, Optional.of(Phase.DUAL_WRITE_TARGET_READS), false,
                            "bench", "cutover bench"), moves, moveTimes, f, r);
                    Thread.sleep(1000);
                    move(store, Phase.TARGET_ONLY, () -> switcher.switchPhase(APP, Optional.of(Phase.TARGET_ONLY), false, "bench", "cutover bench"),
                            moves, moveTimes, f, r);
                    Thread.sleep(1000);
                    move(store, Phase.DUAL_WRITE_TARGET_READS, () -> switcher.rollback(APP, Phase.TARGET_ONLY, "bench", "cutover bench"), moves,
                            moveTimes, f, r);
                    // the failback gates want a clean verify of the pair after the reverse reached IN_SYNC: run it, writes go on
                    await("the reverse drained", () -> inSync(rev) && rev.get().backlog() == 0, r);
                    verify(target, source, targetTable, sourceTable, verifyDir);
                    move(store, Phase.DUAL_WRITE, () -> switcher.failback(APP, Phase.DUAL_WRITE_TARGET_READS, false, "bench", "cutover bench"),
                            moves, moveTimes, f, r);
                }
                Thread.sleep(1000);
                HeartbeatWriter.Result hb = writer.stop();
                double took = (System.nanoTime() - t0) / 1e9;
                for (int i = 0; i < 100 && store.stats().pending() > 0; i++) {
                    store.drainOnce();
                }
                Map<Site, Set<String>> present = new EnumMap<>(Site.class);
                present.put(Site.SOURCE, SwitchBench.ids(sourceClient, sourceTable, APP + "#"));
                present.put(Site.TARGET, SwitchBench.ids(targetClient, targetTable, APP + "#"));
                HeartbeatWriter.Lost lost = writer.lost(hb.acks(), present, 10);
                run = new SwitchBench.Run("live, " + cycles + " cycles to TARGET_ONLY and back", took, hb.attempted(), hb.acknowledged(),
                        hb.failed(), hb.writesPerSecond(), hb.maxGapMillis(), hb.p99GapMillis(), lost.count(), lost.examples(), hb.failures(),
                        hb.increments(), SwitchBench.counter(sourceClient, sourceTable, writer.counterId()),
                        SwitchBench.counter(targetClient, targetTable, writer.counterId()));
                for (int i = 0; i < moves.size(); i++) {
                    SwitchBench.Switch w = moves.get(i);
                    moves.set(i, new SwitchBench.Switch(w.from(), w.to(), w.action(), w.propagationMillis(),
                            SwitchBench.gapAfter(hb.acks(), moveTimes.get(i))));
                }
            }
            MigrationStatus fs = fwd.get();
            MigrationStatus rs = rev.get();
            forward.requestStop();
            reverse.requestStop();
            for (Future<?> running : List.of(f, r)) {
                try {
                    running.get(60, TimeUnit.SECONDS); // let them save their last status before the pool goes
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    note.accept("live: a migration did not stop cleanly: " + e);
                }
            }
            Map<String, String> goals = new LinkedHashMap<>();
            goals.put("no failed writes", run.failed() == 0 ? "met" : "MISSED (" + run.failed() + ")");
            goals.put("no lost writes", run.lost() == 0 ? "met" : "MISSED (" + run.lost() + ")");
            goals.put("counters equal the acknowledged increments on both sites", run.countersOff() == 0 ? "met" : "MISSED (source "
                    + run.counterSource() + ", target " + run.counterTarget() + ", acknowledged " + run.increments() + ")");
            goals.put("longest gap under 1 s", run.maxGapMillis() < 1000 ? String.format(Locale.ROOT, "met (%.0f ms)", run.maxGapMillis())
                    : String.format(Locale.ROOT, "MISSED (%.0f ms)", run.maxGapMillis()));
            long lagDiff = rs.pipelineLagP99Millis() - fs.pipelineLagP99Millis();
            goals.put("reverse lag p99 within 100 ms of the forward's", lagDiff <= 100 ? "met (" + lagDiff + " ms)" : "MISSED (" + lagDiff + " ms)");
            return new Result("switch --live", poll.toMillis(), run, moves, fs.pipelineLagP99Millis(), rs.pipelineLagP99Millis(), fs.refused(),
                    rs.refused(), rs.conflicts(), goals);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A move as an operator makes it: tried again while its gates refuse (a minute at most); timed from the attempt that passed. */
    private static void move(MigratingStore store, Phase to, Supplier<SwitchResult> attempt, List<SwitchBench.Switch> moves,
                             List<Long> moveTimes, Future<?>... running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            long t0 = System.nanoTime();
            try {
                SwitchResult r = attempt.get();
                await("the application in " + to, () -> store.phase() == to && !store.fenced(), running);
                moveTimes.add(t0);
                moves.add(new SwitchBench.Switch(r.from(), r.to(), r.action(), (System.nanoTime() - t0) / 1e6, 0));
                return;
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(200);
            }
        }
    }

    /** A verify of the pair while the heartbeat writes: keys that differ are read again after a settle delay; tried up to 5 times. */
    private static void verify(DynamoDbEndpoint a, DynamoDbEndpoint b, String tableA, String tableB, Path verifyDir) {
        for (int i = 0; ; i++) {
            try (DynamoDbVerification v = new DynamoDbVerification(a, b, 4)) {
                if (v.run(tableA, tableB, VerifyOptions.defaults().withRecheck(true, Duration.ofSeconds(1)), CopyProgress.NONE,
                        verifyDir.resolve("report.jsonl"), Optional.of(verifyDir)).identical() || i >= 4) {
                    return;
                }
            }
        }
    }

    private static boolean inSync(AtomicReference<MigrationStatus> s) {
        return s.get() != null && s.get().phase().equals("IN_SYNC");
    }

    private static void await(String what, BooleanSupplier condition, Future<?>... running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            for (Future<?> f : running) {
                if (f.isDone()) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof CutoverException c) {
                            throw c;
                        }
                        throw e;
                    }
                    throw new CutoverException(ErrorCode.INTERNAL, "a migration of the benchmark ended before " + what);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new CutoverException(ErrorCode.INTERNAL, what + " not reached within 120 s");
            }
            Thread.sleep(10);
        }
    }

    public static String text(Result r) {
        StringBuilder b = new StringBuilder("Benchmark switch --live (gates on, nothing forced; forward and reverse migrations running;"
                + " registry polled every " + r.pollMillis() + " ms)\n");
        b.append(SwitchBench.line(r.run())).append('\n');
        b.append("  moves: from the attempt whose gates passed to the application running in the new phase; longest gap in the second after\n");
        for (SwitchBench.Switch s : r.moves()) {
            b.append(String.format(Locale.ROOT, "    %-8s %-24s -> %-24s %,6.0f ms   gap %,5.0f ms%n", s.action(), s.from(), s.to(),
                    s.propagationMillis(), s.longestGapMillis()));
        }
        b.append(String.format(Locale.ROOT, "  lag p99: forward %d ms, reverse %d ms; refused by the version rule: forward %d, reverse %d;"
                + " reverse conflicts %d%n", r.forwardLagP99Millis(), r.reverseLagP99Millis(), r.forwardRefused(), r.reverseRefused(),
                r.reverseConflicts()));
        r.goals().forEach((k, v) -> b.append("  goal: ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }
}
