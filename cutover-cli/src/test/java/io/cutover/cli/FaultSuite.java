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
    /** Fraction of DynamoDB and Streams calls failed in the fault runs: the issue asks for at least 10%. */
    static final double RATE = 0.15;

    private FaultSuite() {
    }

    static long seed(String test) {
        long seed = io.cutover.faults.KillSchedule.seedFromProperty("cutover.faults.seed");
        System.out.println(test + ": fault seed " + seed + " (replay with -Dcutover.faults.seed=" + seed + ")");
        return seed;
    }

    /**
     * Every fault at {@link #RATE}, less those named in {@code -Dcutover.faults.without=limit-exceeded,...}
     * (to find which fault a failure needs; the suite's default is all of them).
     */
    static FaultPlan plan(long seed) {
        FaultPlan plan = FaultPlan.all(RATE, seed);
        String without = System.getProperty("cutover.faults.without", "");
        for (String f : without.split(",")) {
            if (!f.isBlank()) {
                plan = plan.without(FaultPlan.parse("rate=0;faults=" + f.trim()).faults().iterator().next());
            }
        }
        return plan;
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

    static String tail(Path log) {
        try {
            String s = Files.readString(log) + "\n--- stderr ---\n" + read(ChildJvm.errors(log));
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
}
