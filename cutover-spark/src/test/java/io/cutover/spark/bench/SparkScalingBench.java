package io.cutover.spark.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.CopyResult;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbCopier;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import io.cutover.spark.SparkCopyJob;
import io.cutover.spark.SparkJobSettings;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The Spark runner's scaling in one run ({@code bin/bench-spark}, docs/spark.md): DynamoDB Local as a child process on a
 * loopback port (its CPU is not counted as the client's), one table loaded once, then the single-process copy
 * ({@code cutover copy}'s {@link DynamoDbCopier}) and the Spark copy ({@link SparkCopyJob}) in local mode at each of
 * {@code --threads} (default 1,2,4), each into a fresh table, each measured for items/s and client CPU seconds per million
 * items (this JVM: the driver and, in local mode, the executors), and each compared item by item with the source.
 * Spark's context is started before the clock and stopped after it, so its start-up is not counted.
 *
 * <p>Flags: {@code --items N} (default 50000), {@code --item-size BYTES} (1000), {@code --segments N} (16, both engines),
 * {@code --threads 1,2,4}, {@code --rounds N} (1: each round runs every copy again, in reverse order on even rounds),
 * {@code --output json}. Exit 0 when every copy is identical to the source, 1 otherwise.
 */
public final class SparkScalingBench {
    /** One measured copy. */
    public record Run(String name, int round, long items, double seconds, double itemsPerSecond, double clientCpuSeconds,
                      double clientCpuSecondsPerMillion, double serverCpuSeconds, boolean identical) {
    }

    /** The bench's result; {@code speedups} is each Spark run's items/s over Spark local[first thread count]'s, per round. */
    public record Result(String benchmark, long items, int itemBytes, int segments, List<Integer> threads, int cores,
                         double loadAverageBefore, double loadAverageAfter, List<Run> runs, Map<String, Double> speedups, boolean identical) {
    }

    private SparkScalingBench() {
    }

    public static void main(String[] args) throws Exception {
        int items = 50_000;
        int itemSize = 1000;
        int segments = 16;
        int rounds = 1;
        List<Integer> threads = List.of(1, 2, 4);
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--items" -> items = Integer.parseInt(args[++i]);
                case "--item-size" -> itemSize = Integer.parseInt(args[++i]);
                case "--segments" -> segments = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::parseInt).toList();
                case "--output" -> json = args[++i].equals("json");
                default -> {
                    System.err.println("bench-spark: unknown flag " + args[i] + " (flags: --items, --item-size, --segments, --threads, --rounds,"
                            + " --output json)");
                    System.exit(2);
                }
            }
        }
        if (items < 1 || itemSize < 100 || segments < 1 || rounds < 1 || threads.isEmpty() || threads.stream().anyMatch(t -> t < 1)) {
            System.err.println("bench-spark: --items, --segments, --rounds and every --threads value must be at least 1, --item-size at least 100");
            System.exit(2);
        }
        Result r = run(items, itemSize, segments, threads, rounds);
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        } else {
            System.out.print(text(r));
        }
        System.exit(r.identical() ? 0 : 1);
    }

    static Result run(int items, int itemSize, int segments, List<Integer> threads, int rounds) throws Exception {
        String pad = "x".repeat(Math.max(0, itemSize - 60));
        LongFunction<Map<String, AttributeValue>> item = i -> Map.of("pk", AttributeValue.fromS("item#" + i), "sk", AttributeValue.fromS("s"),
                "n", AttributeValue.fromN(Long.toString(i)), "pad", AttributeValue.fromS(pad));
        int bytes = (int) io.cutover.core.item.ItemSize.billed(item.apply(1));
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        note(String.format(Locale.ROOT, "bench-spark: %,d items of %,d bytes, %d segments, Spark local%s, %d round(s), %d cores, load average %.2f;"
                + " starting DynamoDB Local as a child process...", items, bytes, segments, threads, rounds,
                Runtime.getRuntime().availableProcessors(), loadBefore));
        Path scratch = Files.createTempDirectory("cutover-bench-spark");
        List<Run> runs = new ArrayList<>();
        Map<String, Double> speedups = new java.util.LinkedHashMap<>();
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx2g")) {
            DynamoDbClient client = LocalTables.client(db);
            String source = "bench-spark-source";
            LocalTables.create(client, SampleItems.plainTable(source));
            LocalTables.load(client, source, items, item);
            note("  loaded " + source);

            note("warm-up: a single-process copy and a Spark local[2] copy of 5,000 items, not measured...");
            String warm = "bench-spark-warmup";
            LocalTables.create(client, SampleItems.plainTable(warm));
            LocalTables.load(client, warm, Math.min(items, 5_000), item);
            singleProcess(db, warm, warm + "-single", segments, scratch.resolve("warm-single"));
            spark(db, 2, warm, warm + "-spark", segments, scratch.resolve("warm-spark"));

            for (int round = 1; round <= rounds; round++) {
                List<String> order = new ArrayList<>();
                order.add("single");
                threads.forEach(t -> order.add("spark-" + t));
                if (round % 2 == 0) {
                    java.util.Collections.reverse(order);
                }
                for (String kind : order) {
                    String target = "bench-spark-" + kind + "-r" + round;
                    Path state = scratch.resolve(target);
                    Run run;
                    if (kind.equals("single")) {
                        run = measure("single-process copy (DynamoDbCopier)", round, db, client, source, target,
                                () -> singleProcess(db, source, target, segments, state));
                    } else {
                        int n = Integer.parseInt(kind.substring("spark-".length()));
                        try (JavaSparkContext spark = context(n)) {
                            run = measure("Spark copy local[" + n + "]", round, db, client, source, target,
                                    () -> sparkCopy(spark, db, source, target, segments, state));
                        }
                    }
                    note(line(run));
                    runs.add(run);
                }
                int round0 = round;
                double base = runs.stream().filter(x -> x.round() == round0 && x.name().equals("Spark copy local[" + threads.get(0) + "]"))
                        .findFirst().orElseThrow().itemsPerSecond();
                for (Run x : runs) {
                    if (x.round() == round && x.name().startsWith("Spark")) {
                        speedups.put(x.name() + " r" + round, x.itemsPerSecond() / base);
                    }
                }
            }
            client.close();
        }
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return new Result("spark-scaling", items, bytes, segments, threads, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter,
                runs, speedups, runs.stream().allMatch(Run::identical));
    }

    @FunctionalInterface
    interface Copy {
        long run() throws Exception;
    }

    private static Run measure(String name, int round, LocalDynamoDb db, DynamoDbClient client, String source, String target, Copy copy)
            throws Exception {
        System.gc();
        double cpu0 = processCpuSeconds();
        double server0 = childCpuSeconds(db.pid());
        long t0 = System.nanoTime();
        long n = copy.run();
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        double server = childCpuSeconds(db.pid()) - server0;
        TableComparison.Result cmp = TableComparison.compare(client, source, client, target);
        if (!cmp.identical()) {
            note("  " + target + " differs from the source: " + cmp);
        }
        return new Run(name, round, n, secs, n / secs, cpu, n == 0 ? 0 : cpu / n * 1e6, server, cmp.identical() && cmp.targetItems() == n);
    }

    private static long singleProcess(LocalDynamoDb db, String source, String target, int segments, Path state) {
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(source, target).stateDir(state).restart(true).segments(segments).writeConcurrency(0).build();
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, CopyProgress.NONE, List.of())) {
            return copier.run().items();
        }
    }

    private static long spark(LocalDynamoDb db, int threads, String source, String target, int segments, Path state) {
        try (JavaSparkContext spark = context(threads)) {
            return sparkCopy(spark, db, source, target, segments, state);
        }
    }

    private static long sparkCopy(JavaSparkContext spark, LocalDynamoDb db, String source, String target, int segments, Path state) {
        CopyResult r = new SparkCopyJob(spark, SparkJobSettings.local("copy", db.endpoint(), source, target, state).withSegments(segments)).run();
        if (!r.status().equals("completed")) {
            throw new IllegalStateException("the Spark copy ended " + r.status() + ": " + r);
        }
        return r.items();
    }

    private static JavaSparkContext context(int threads) {
        return new JavaSparkContext(new SparkConf().setMaster("local[" + threads + "]").setAppName("cutover-bench-spark")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
    }

    static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /** CPU seconds used so far by a child process, from /proc (Linux); NaN elsewhere. */
    static double childCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static void note(String s) {
        System.err.println(s);
    }

    static String line(Run r) {
        return String.format(Locale.ROOT, "  %-38s r%d %,9d items %7.1f s %,8.0f items/s  client CPU %6.1f s (%6.1f s per M)  server CPU %6.1f s  %s",
                r.name(), r.round(), r.items(), r.seconds(), r.itemsPerSecond(), r.clientCpuSeconds(), r.clientCpuSecondsPerMillion(),
                r.serverCpuSeconds(), r.identical() ? "identical" : "DIFFERENT");
    }

    static String text(Result r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nbench-spark: %,d items of %,d bytes, %d segments, DynamoDB Local as a child"
                + " process; %d cores; load average %.2f before, %.2f after%n", r.items(), r.itemBytes(), r.segments(), r.cores(),
                r.loadAverageBefore(), r.loadAverageAfter()));
        r.runs().forEach(x -> b.append(line(x)).append('\n'));
        r.speedups().forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-38s %.2fx local[%d]%n", k, v, r.threads().get(0))));
        b.append(r.identical() ? "  every copy identical to the source\n" : "  SOME COPY DIFFERS from the source\n");
        return b.toString();
    }
}
