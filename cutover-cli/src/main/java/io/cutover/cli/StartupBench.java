package io.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover bench startup}: how long {@code cutover copy} takes from the command to its first write, as a new
 * process each time (the JVM, the class loading, the command line, the clients), with and without the class-data-sharing
 * archive that bin/cutover keeps (decision 0230). Each run copies a one-page table (25 items) into a new table on a
 * DynamoDB Local child process; start-up is the run's wall time less the copy's own duration (from its JSON result),
 * the CPU is the child's user plus system time read from /proc just before it exits. Medians of {@code runs}.
 */
final class StartupBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One way of starting the process, and its medians. */
    public record Mode(String name, int runs, double wallSecondsMedian, double startupSecondsMedian, double cpuSecondsMedian) {
    }

    /** The benchmark's figures. */
    public record StartupResult(String benchmark, List<Mode> modes, Map<String, String> goals) {
    }

    private final int runs;
    private final Printer printer;

    StartupBench(int runs, Printer printer) {
        this.runs = runs;
        this.printer = printer;
    }

    int run() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        printer.note(String.format(Locale.ROOT, "Benchmark startup: cutover copy of a 25-item table as a new process, %d runs per mode;"
                + " starting DynamoDB Local as a child process...", runs));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-startup");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx1g")) {
            DynamoDbClient client = LocalTables.client(db.endpoint());
            LocalTables.create(client, SampleItems.plainTable("startup-source"));
            SampleItems sample = new SampleItems(7, 0, false);
            LocalTables.load(client, "startup-source", 25, sample::item);
            client.close();
            Path archive = scratch.path().resolve("cutover.jsa");
            int[] counter = {0};
            // Not measured: the run that writes the archive (bin/cutover's first command after a build), and one JIT-cold run.
            once(java, classPath, db, scratch.path(), counter, List.of("-XX:ArchiveClassesAtExit=" + archive));
            once(java, classPath, db, scratch.path(), counter, List.of());
            List<Mode> modes = new ArrayList<>();
            modes.add(mode("no archive (the JDK's own classes shared only)", java, classPath, db, scratch.path(), counter, List.of("-Xshare:auto")));
            modes.add(mode("class-data-sharing archive (bin/cutover's default)", java, classPath, db, scratch.path(), counter,
                    List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on")));
            Map<String, String> goals = new LinkedHashMap<>();
            double gain = 1 - modes.get(1).startupSecondsMedian() / modes.get(0).startupSecondsMedian();
            goals.put("the archive shortens start-up", String.format(Locale.ROOT, "%s (%.0f%% shorter, CPU %.2f s vs %.2f s)",
                    gain > 0 ? "met" : "MISSED", gain * 100, modes.get(1).cpuSecondsMedian(), modes.get(0).cpuSecondsMedian()));
            StartupResult result = new StartupResult("startup", modes, goals);
            printer.result(result, StartupBench::text);
            return 0;
        }
    }

    private Mode mode(String name, String java, String classPath, LocalDynamoDb db, Path dir, int[] counter, List<String> jvm)
            throws Exception {
        List<double[]> samples = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            samples.add(once(java, classPath, db, dir, counter, jvm));
        }
        Mode m = new Mode(name, runs, median(samples, 0), median(samples, 1), median(samples, 2));
        printer.note(line(m));
        return m;
    }

    /** One run: {wall seconds, start-up seconds, CPU seconds}. */
    private static double[] once(String java, String classPath, LocalDynamoDb db, Path dir, int[] counter, List<String> jvm)
            throws Exception {
        int n = ++counter[0];
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-Xlog:cds=off,cds+dynamic=off"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", classPath, CutoverCli.class.getName(), "copy", "--endpoint-url", db.endpoint().toString(),
                "--region", "us-east-1", "--source-table", "startup-source", "--target-table", "startup-copy-" + n,
                "--state-dir", dir.resolve("state-" + n).toString(), "--output", "json"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("AWS_ACCESS_KEY_ID", "bench");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "bench");
        long t0 = System.nanoTime();
        Process p = pb.start();
        AtomicReference<Double> cpu = new AtomicReference<>(0.0);
        Thread sampler = new Thread(() -> {
            while (p.isAlive()) {
                double c = BenchCommand.childCpuSeconds(p.pid());
                if (!Double.isNaN(c)) {
                    cpu.set(c);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-startup-cpu");
        sampler.setDaemon(true);
        sampler.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        sampler.join();
        if (rc != 0) {
            throw new CutoverException(ErrorCode.INTERNAL, "the timed copy exited with " + rc + ": " + out);
        }
        JsonNode result = JSON.readTree(out);
        return new double[] {wall, wall - result.path("seconds").asDouble(), cpu.get()};
    }

    private static double median(List<double[]> samples, int index) {
        double[] v = samples.stream().mapToDouble(s -> s[index]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String line(Mode m) {
        return String.format(Locale.ROOT, "  %-52s start-up %5.2f s  whole run %5.2f s  CPU %5.2f s  (medians of %d)", m.name(),
                m.startupSecondsMedian(), m.wallSecondsMedian(), m.cpuSecondsMedian(), m.runs());
    }

    private static String text(StartupResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nBenchmark startup: cutover copy of 25 items, a new process per run%n"));
        r.modes().forEach(m -> b.append(line(m)).append('\n'));
        r.goals().forEach((k, v) -> b.append("  goal ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }
}
