package io.cutover.control;

import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Site;
import io.cutover.client.StoreEndpoint;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * {@code cutover bench switch}: a heartbeat writer through the client library (a new item and an
 * increment of one counter per beat), first with no switch (the baseline, in DUAL_WRITE, the phase
 * that costs most), then while the site of record is handed to the target and failed back three times
 * (DUAL_WRITE -> DUAL_WRITE_TARGET_READS -> failback, each move a fenced handover, decision 0101).
 * Reports the longest gap between acknowledged writes, failed writes, how long each move took to reach
 * the application, whether every acknowledged write is on every site its phase wrote to, and whether
 * the counter on each site equals the acknowledged increments. Both tables and the registry must
 * exist on the given client's endpoint; keys {@code pk}/{@code sk}.
 */
public final class SwitchBench {
    /** One measured run of the heartbeat writer. */
    public record Run(String name, double seconds, long attempted, long acknowledged, long failed, double writesPerSecond,
                      double maxGapMillis, double p99GapMillis, long lost, List<String> lostExamples, List<String> failures,
                      long increments, long counterSource, long counterTarget) {
        /** Sites whose counter is not the acknowledged increments (a lost or doubled read-modify-write). */
        public long countersOff() {
            return (counterSource != increments ? 1 : 0) + (counterTarget != increments ? 1 : 0);
        }
    }

    /**
     * One switch: how long after the registry write the application ran in the new phase, and the
     * longest gap between acknowledged writes in the second after the switch began.
     */
    public record Switch(Phase from, Phase to, String action, double propagationMillis, double longestGapMillis) {
    }

    /** The benchmark's result. */
    public record Result(String benchmark, long pollMillis, Run baseline, Run switching, List<Switch> switches, Map<String, String> goals) {
    }

    private final DynamoDbClient client;
    private final EndpointRegistry registry;
    private final String sourceTable;
    private final String targetTable;
    private final Path journalDir;
    private final Duration poll;
    private final Consumer<String> note;
    private List<HeartbeatWriter.Ack> lastAcks = List.of();

    public SwitchBench(DynamoDbClient client, EndpointRegistry registry, String sourceTable, String targetTable, Path journalDir,
                       Duration poll, Consumer<String> note) {
        this.client = client;
        this.registry = registry;
        this.sourceTable = sourceTable;
        this.targetTable = targetTable;
        this.journalDir = journalDir;
        this.poll = poll;
        this.note = note;
    }

    public Result run(double seconds, long pauseMillis) throws InterruptedException {
        PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC()));
        String run = Long.toString(System.currentTimeMillis(), 36);

        // Warm up (class loading, JIT, connections) so that the baseline, which runs first, is not penalised.
        String warmup = "bench-warmup-" + run;
        register(warmup);
        switcher.switchPhase(warmup, Optional.of(Phase.DUAL_WRITE), true, "bench switch: warm-up", "cutover bench");
        measure(warmup, "warm-up", 2, pauseMillis, store -> sleepSeconds(2), journalDir.resolve("warmup"));

        String baselineApp = "bench-baseline-" + run;
        register(baselineApp);
        switcher.switchPhase(baselineApp, Optional.of(Phase.DUAL_WRITE), true, "bench switch: baseline in DUAL_WRITE", "cutover bench");
        note.accept(String.format(Locale.ROOT, "baseline: heartbeat writer for %.0f s in DUAL_WRITE, no switch...", seconds));
        Run baseline = measure(baselineApp, "baseline (DUAL_WRITE, no switch)", seconds, pauseMillis, store -> sleepSeconds(seconds),
                journalDir.resolve("baseline"));
        note.accept(line(baseline));

        String app = "bench-switch-" + run;
        register(app);
        List<Switch> switches = new ArrayList<>();
        List<Long> switchTimes = new ArrayList<>();
        switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE), true, "bench switch: start in DUAL_WRITE", "cutover bench");
        note.accept(String.format(Locale.ROOT, "switching: heartbeat writer for %.0f s, the site of record handed to the target and failed"
                + " back 3 times...", seconds));
        Run switching = measure(app, "with 3 handovers and 3 failbacks", seconds, pauseMillis, store -> {
            double every = seconds / 7;
            for (int i = 0; i < 6; i++) {
                sleepSeconds(every);
                long t0 = System.nanoTime();
                // gates forced: no migration runs in this benchmark; the handover's fence cannot be forced and is measured
                SwitchResult r = i % 2 == 0
                        ? switcher.switchPhase(app, Optional.of(Phase.DUAL_WRITE_TARGET_READS), true, "bench switch", "cutover bench")
                        : switcher.failback(app, Phase.DUAL_WRITE_TARGET_READS, true, "bench switch", "cutover bench");
                long deadline = t0 + 30_000_000_000L;
                while (store.phase() != r.to()) {
                    if (System.nanoTime() > deadline) {
                        throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.INTERNAL, "the application did not see "
                                + r.to() + " within 30 s of the registry write");
                    }
                    Thread.sleep(0, 200_000);
                }
                switchTimes.add(t0);
                switches.add(new Switch(r.from(), r.to(), r.action(), (System.nanoTime() - t0) / 1e6, 0));
            }
            sleepSeconds(every);
        }, journalDir.resolve("switching"));
        note.accept(line(switching));
        for (int i = 0; i < switches.size(); i++) {
            Switch w = switches.get(i);
            switches.set(i, new Switch(w.from(), w.to(), w.action(), w.propagationMillis(), gapAfter(lastAcks, switchTimes.get(i))));
        }

        Map<String, String> goals = new LinkedHashMap<>();
        goals.put("no failed writes", switching.failed() == 0 ? "met" : "MISSED (" + switching.failed() + ")");
        goals.put("no lost writes", switching.lost() == 0 && baseline.lost() == 0 ? "met" : "MISSED (" + switching.lost() + ")");
        goals.put("counters equal the acknowledged increments on both sites", switching.countersOff() == 0 && baseline.countersOff() == 0
                ? "met" : "MISSED (source " + switching.counterSource() + ", target " + switching.counterTarget() + ", acknowledged "
                + switching.increments() + ")");
        goals.put("longest gap under 1 s", switching.maxGapMillis() < 1000 ? String.format(Locale.ROOT, "met (%.0f ms)",
                switching.maxGapMillis()) : String.format(Locale.ROOT, "MISSED (%.0f ms)", switching.maxGapMillis()));
        return new Result("switch", poll.toMillis(), baseline, switching, switches, goals);
    }

    private interface During {
        void run(MigratingStore store) throws InterruptedException;
    }

    private Run measure(String app, String name, double seconds, long pauseMillis, During during, Path journals)
            throws InterruptedException {
        try (RegistryWatcher watcher = new RegistryWatcher(registry, app, poll).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(new DynamoDbStore(client, sourceTable, List.of("pk", "sk")))
                     .target(new DynamoDbStore(client, targetTable, List.of("pk", "sk"))).journalDir(journals).build()) {
            HeartbeatWriter writer = new HeartbeatWriter(store, app + "#", pauseMillis).start();
            long t0 = System.nanoTime();
            during.run(store);
            HeartbeatWriter.Result r = writer.stop();
            lastAcks = r.acks();
            double took = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < 100 && store.stats().pending() > 0; i++) {
                store.drainOnce();
            }
            Map<Site, Set<String>> present = new EnumMap<>(Site.class);
            present.put(Site.SOURCE, ids(client, sourceTable, app + "#"));
            present.put(Site.TARGET, ids(client, targetTable, app + "#"));
            HeartbeatWriter.Lost lost = writer.lost(r.acks(), present, 10);
            return new Run(name, took, r.attempted(), r.acknowledged(), r.failed(), r.writesPerSecond(), r.maxGapMillis(), r.p99GapMillis(),
                    lost.count(), lost.examples(), r.failures(), r.increments(), counter(client, sourceTable, writer.counterId()),
                    counter(client, targetTable, writer.counterId()));
        }
    }

    /** The longest gap between two acknowledgements where the later one came within a second of {@code t0}. */
    public static double gapAfter(List<HeartbeatWriter.Ack> acks, long t0) {
        long longest = 0;
        for (int i = 1; i < acks.size(); i++) {
            long at = acks.get(i).ackNanos();
            if (at >= t0 && at <= t0 + 1_000_000_000L) {
                longest = Math.max(longest, at - acks.get(i - 1).ackNanos());
            }
        }
        return longest / 1e6;
    }

    private void register(String app) {
        registry.register(app, StoreEndpoint.table(sourceTable), StoreEndpoint.table(targetTable), null, null, "cutover bench", "bench switch");
    }

    /** The heartbeat counter's value in a table (0 when absent). */
    static long counter(DynamoDbClient client, String table, String id) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("hb")))).item();
        return item == null || !item.containsKey("n") ? 0 : Long.parseLong(item.get("n").n());
    }

    /** The partition keys starting with {@code prefix} in a table. */
    static Set<String> ids(DynamoDbClient client, String table, String prefix) {
        Set<String> out = new HashSet<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = client.scan(b -> b.tableName(table).exclusiveStartKey(from).consistentRead(true)
                    .filterExpression("begins_with(pk, :p)").expressionAttributeValues(Map.of(":p", AttributeValue.fromS(prefix))));
            page.items().forEach(i -> out.add(i.get("pk").s()));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    public static String line(Run r) {
        return String.format(Locale.ROOT, "  %-34s %,7d writes %,7.0f/s  failed %d  lost %d  counters off %d  longest gap %,6.0f ms"
                + "  p99 gap %,5.1f ms", r.name(), r.acknowledged(), r.writesPerSecond(), r.failed(), r.lost(), r.countersOff(), r.maxGapMillis(),
                r.p99GapMillis());
    }

    public static String text(Result r) {
        StringBuilder b = new StringBuilder("Benchmark switch (registry polled every " + r.pollMillis() + " ms)\n");
        b.append(line(r.baseline())).append('\n').append(line(r.switching())).append('\n');
        b.append("  switches: registry write to the application running in the new phase; longest gap in the second after\n");
        for (Switch s : r.switches()) {
            b.append(String.format(Locale.ROOT, "    %-8s %-24s -> %-24s %,6.0f ms   gap %,5.0f ms%n", s.action(), s.from(), s.to(),
                    s.propagationMillis(), s.longestGapMillis()));
        }
        b.append(String.format(Locale.ROOT, "  longest gap: %.0f ms with switches vs %.0f ms without (x%.1f)%n", r.switching().maxGapMillis(),
                r.baseline().maxGapMillis(), r.switching().maxGapMillis() / Math.max(1e-9, r.baseline().maxGapMillis())));
        r.goals().forEach((k, v) -> b.append("  goal: ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }

    private static void sleepSeconds(double s) throws InterruptedException {
        Thread.sleep((long) (s * 1000));
    }
}
