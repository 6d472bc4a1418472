package io.cutover.spark;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments after the jar on a {@code spark-submit} line, read into {@link SparkJobSettings}: the job
 * ({@code copy}, {@code load}, {@code verify}), then {@code --flag value} pairs named as in {@code cutover copy}
 * and {@code cutover verify}. Every unknown flag and bad number is reported together, with its name.
 */
final class SparkArguments {
    private static final Set<String> FLAGS = Set.of("--source-table", "--target-table", "--from-export", "--state-dir",
            "--endpoint-url", "--source-endpoint-url", "--target-endpoint-url", "--export-endpoint-url", "--region", "--source-region",
            "--target-region", "--export-region", "--source-profile", "--target-profile", "--export-profile", "--segments",
            "--tasks-at-once", "--max-write-rate", "--max-read-rate", "--write-concurrency", "--page-size", "--buckets", "--list-limit",
            "--report");
    private static final Set<String> SWITCHES = Set.of("--restart");

    private SparkArguments() {
    }

    static SparkJobSettings parse(String... args) {
        List<String> problems = new ArrayList<>();
        if (args.length == 0) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "usage: spark-submit ... cutover-spark.jar copy|load|verify --flag value ...");
        }
        String job = args[0];
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (SWITCHES.contains(a)) {
                values.put(a, "true");
            } else if (FLAGS.contains(a) && i + 1 < args.length) {
                values.put(a, args[++i]);
            } else if (FLAGS.contains(a)) {
                problems.add(a + " needs a value");
            } else {
                problems.add("unknown argument '" + a + "'");
            }
        }
        int segments = integer(values, "--segments", 0, problems);
        int tasks = integer(values, "--tasks-at-once", 0, problems);
        double write = number(values, "--max-write-rate", 0, problems);
        double read = number(values, "--max-read-rate", 0, problems);
        int concurrency = integer(values, "--write-concurrency", 8, problems);
        int pageSize = integer(values, "--page-size", 1000, problems);
        int buckets = integer(values, "--buckets", 65_536, problems);
        int listLimit = integer(values, "--list-limit", 100, problems);
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
        SparkEndpoint source = side("source", values);
        SparkEndpoint target = side("target", values);
        SparkEndpoint export = side("export", values);
        return new SparkJobSettings(job, source, target, export, values.get("--source-table"), values.get("--target-table"),
                values.get("--from-export"), values.get("--state-dir"), segments, tasks, write, read, concurrency, pageSize,
                values.containsKey("--restart"), buckets, listLimit, values.get("--report"));
    }

    private static SparkEndpoint side(String role, Map<String, String> values) {
        String url = values.getOrDefault("--" + role + "-endpoint-url", role.equals("export") ? null : values.get("--endpoint-url"));
        String region = values.getOrDefault("--" + role + "-region", values.get("--region"));
        return new SparkEndpoint(role, url, region, values.get("--" + role + "-profile"));
    }

    private static int integer(Map<String, String> values, String flag, int fallback, List<String> problems) {
        String v = values.get(flag);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            problems.add(flag + " must be a whole number, was '" + v + "'");
            return fallback;
        }
    }

    private static double number(Map<String, String> values, String flag, double fallback, List<String> problems) {
        String v = values.get(flag);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            problems.add(flag + " must be a number, was '" + v + "'");
            return fallback;
        }
    }
}
