package io.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.faults.ChildJvm;
import io.cutover.faults.FaultPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the fault suite's tests share (docs/decisions/0060-fault-suite.md): a child {@code cutover
 * migrate} with a fault plan, reading the phase and status it records, and the seed of a run, printed
 * so that a failure can be replayed ({@code -Dcutover.faults.seed=N}).
 */
final class FaultSuite {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Fraction of DynamoDB and Streams calls failed in the fault runs: the issue asks for at least 10%; at 20% the share drawn stays above 10% even over 150 calls. */
    static final double RATE = 0.20;

    private FaultSuite() {
    }

    static long seed(String test) {
        long seed = io.cutover.faults.KillSchedule.seedFromProperty("cutover.faults.seed");
        System.out.println(test + ": fault seed " + seed + " (replay with -Dcutover.faults.seed=" + seed + ")");
        return seed;
    }

    /**
     * Every fault at {@link #RATE}, less those named in {@code -Dcutover.faults.without=limit-exceeded,...}
     * (to find which fault a failure needs; the suite's default is all of them), on the operations named in
     * {@code -Dcutover.faults.operations=PutItem,BatchWriteItem,...} (default every operation).
     */
    static FaultPlan plan(long seed) {
        FaultPlan plan = FaultPlan.all(RATE, seed);
        String without = System.getProperty("cutover.faults.without", "");
        for (String f : without.split(",")) {
            if (!f.isBlank()) {
                plan = plan.without(FaultPlan.parse("rate=0;faults=" + f.trim()).faults().iterator().next());
            }
        }
        String operations = System.getProperty("cutover.faults.operations", "");
        if (!operations.isBlank()) {
            plan = new FaultPlan(plan.rate(), plan.seed(), plan.faults(), java.util.Set.of(operations.split(",")));
        }
        return plan;
    }

    /** Inserts {@code n} demo orders (_id 0 to n-1, every BSON type the demo uses). */
    static void loadOrders(com.mongodb.client.MongoCollection<org.bson.Document> orders, int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        List<org.bson.Document> docs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(MongoDemoWriter.document(i, r));
        }
        orders.insertMany(docs);
    }

    /** A stream-enabled source table holding {@code n} sample items. */
    static void streamSource(software.amazon.awssdk.services.dynamodb.DynamoDbClient client, String table, int n, long seed) {
        io.cutover.local.LocalTables.create(client, io.cutover.local.SampleItems.withStream(io.cutover.local.SampleItems.plainTable(table)));
        io.cutover.local.LocalTables.load(client, table, n, new io.cutover.local.SampleItems(seed, 200, false)::item);
    }

    /** A drained migration's final status: nothing left, and every captured change applied, superseded or dead-lettered. */
    static void assertEveryChangeCounted(JsonNode status) {
        org.junit.jupiter.api.Assertions.assertEquals(0, status.get("backlog").asLong(), status.toString());
        org.junit.jupiter.api.Assertions.assertEquals(status.get("captured").asLong(), status.get("applied").asLong()
                + status.get("superseded").asLong() + status.get("deadLettered").asLong(),
                "every change applied, superseded or dead-lettered: " + status);
    }

    /** {@code cutover verify} of the orders collection against the table: identical. */
    static void assertMongoIdentical(String mongoUri, String table, java.net.URI dynamoDb, Path state, long seed) {
        CliRun verify = CliRun.of("verify", "--source", mongoUri, "--source-collection", "orders", "--target-table", table,
                "--key-attribute", "dataId", "--endpoint-url", dynamoDb.toString(), "--state-dir", state.resolve("verify").toString(),
                "--no-progress");
        org.junit.jupiter.api.Assertions.assertEquals(0, verify.exitCode(), "seed " + seed + ": " + verify.all());
        org.junit.jupiter.api.Assertions.assertTrue(verify.out().contains("IDENTICAL"), verify.out());
    }

    /** Kills per source in the default run (the 20); {@code -Dcutover.faults.kills=N} for fewer or more. */
    static final int DEFAULT_KILLS = 20;

    /**
     * Carries out a seeded kill schedule over a child {@code cutover migrate ARGS} (no API faults: the kills
     * are the fault), printing the schedule and where each kill landed; returns how many kills landed
     * in a running child.
     */
    static int killAtRandom(String test, long seed, List<String> args, Path stateFile, Path logs) throws InterruptedException {
        int kills = io.cutover.faults.KillSchedule.killsFromProperty("cutover.faults.kills", DEFAULT_KILLS);
        java.util.LinkedHashMap<String, Long> phases = new java.util.LinkedHashMap<>();
        phases.put("PREPARE", 3_000L); // from the child's start: JVM start-up, then PREPARE, which is saved only as it ends
        phases.put("CAPTURE", 100L);
        phases.put("BACKFILL", 1_500L);
        phases.put("CATCH_UP", 1_500L);
        phases.put("IN_SYNC", 1_500L);
        io.cutover.faults.KillSchedule schedule = io.cutover.faults.KillSchedule.random(seed, kills, phases);
        System.out.println(test + ": " + schedule.describe());
        int[] n = {0};
        List<io.cutover.faults.KillSchedule.Kill> done = schedule.run(() -> ChildJvm.start(CutoverCli.class.getName(), null, args,
                logs.resolve("child-" + n[0]++ + ".log")), () -> phase(stateFile), 120_000);
        int landed = 0;
        for (io.cutover.faults.KillSchedule.Kill k : done) {
            String in = k.killedIn().isEmpty() ? "PREPARE (nothing recorded yet)" : k.killedIn();
            System.out.println(test + ": kill for " + k.point() + " landed in " + in + (k.ended() ? " (the child had ended)" : ""));
            if (!k.ended()) {
                landed++;
            }
        }
        return landed;
    }

    static Process migrate(FaultPlan plan, List<String> args, Path log) {
        return ChildJvm.start(CutoverCli.class.getName(), plan, args, log);
    }

    /** Waits for a child to end; fails with its log after {@code seconds}. */
    static int await(Process child, Path log, long seconds) throws InterruptedException {
        if (!child.waitFor(seconds, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            throw new AssertionError("the child did not end within " + seconds + " s: " + tail(log));
        }
        return child.exitValue();
    }

    static String phase(Path stateFile) {
        try {
            return Files.exists(stateFile) ? JSON.readTree(stateFile.toFile()).get("phase").asText() : "";
        } catch (Exception renamedMeanwhile) {
            return "";
        }
    }

    /** The last JSON object the child printed (the final status with --output json). */
    static JsonNode lastJson(Path log) throws Exception {
        String text = Files.readString(log);
        int end = text.lastIndexOf('}');
        int depth = 0;
        for (int i = end; i >= 0; i--) {
            char c = text.charAt(i);
            if (c == '}') {
                depth++;
            } else if (c == '{' && --depth == 0) {
                return JSON.readTree(text.substring(i, end + 1));
            }
        }
        throw new AssertionError("no JSON status in the child's output: " + tail(log));
    }

    /** The end of a child's output, stack frames left out so that the messages around them fit (each trace keeps its causes). */
    static String tail(Path log) {
        try {
            String s = Files.readString(log) + "\n--- stderr ---\n" + read(ChildJvm.errors(log));
            s = s.lines().filter(line -> !line.startsWith("\tat ") && !line.startsWith("\t... "))
                    .collect(java.util.stream.Collectors.joining("\n"));
            return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
        } catch (Exception e) {
            return e.toString();
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "";
        }
    }

    /** The share of calls the child's interceptor failed, from the summary it printed at exit. */
    static double injectedShare(Path log) {
        String summary = ChildJvm.faultSummary(read(ChildJvm.errors(log)));
        if (summary == null) {
            throw new AssertionError("the child printed no fault summary: " + tail(log));
        }
        long[] ic = ChildJvm.injectedOfCalls(summary);
        System.out.println("child faults: " + summary);
        return ic[1] == 0 ? 0 : (double) ic[0] / ic[1];
    }

    /**
     * After a kill schedule: the same command once more with {@code --until drained}; asserts it ends 0 in IN_SYNC with
     * every captured change counted, and returns its status.
     */
    static JsonNode drainAndAssertCounted(List<String> args) throws Exception {
        List<String> drain = new java.util.ArrayList<>(args);
        drain.addAll(List.of("--until", "drained", "--output", "json"));
        CliRun last = CliRun.of(drain.toArray(String[]::new));
        org.junit.jupiter.api.Assertions.assertEquals(0, last.exitCode(), last.all());
        JsonNode status = JSON.readTree(last.out());
        org.junit.jupiter.api.Assertions.assertEquals("IN_SYNC", status.get("phase").asText());
        assertEveryChangeCounted(status);
        return status;
    }
}
