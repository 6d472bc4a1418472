package io.cutover.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a main class as a child JVM with this JVM's class path, its standard output appended to a
 * log file and its standard error to the same name with {@code .err} added ({@link #errors}),
 * optionally with a {@link FaultPlan} that the child's {@link GlobalFaultInterceptor} applies to every
 * DynamoDB and Streams client it builds. For tests only.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** A system property of the test JVM: the child's log level when set (the default is the CLI's: warnings). */
    public static final String LOG_LEVEL_PROPERTY = "cutover.child.logLevel";

    public static Process start(String mainClass, FaultPlan faults, List<String> args, Path log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        if (faults != null) {
            cmd.add("-D" + GlobalFaultInterceptor.PROPERTY + "=" + faults.encode());
        }
        String level = System.getProperty(LOG_LEVEL_PROPERTY);
        if (level != null) { // -Dcutover.child.logLevel=info on the Maven command line: the child's own log, to diagnose a failure
            cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + level);
        }
        cmd.add(mainClass);
        cmd.addAll(args);
        try {
            return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(errors(log).toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child JVM: " + e.getMessage(), e);
        }
    }

    /** Where a child's standard error goes. */
    public static Path errors(Path log) {
        return log.resolveSibling(log.getFileName() + ".err");
    }

    /** The fault summary a child printed at exit ({@link GlobalFaultInterceptor#SUMMARY_PREFIX}), or null. */
    public static String faultSummary(String log) {
        String last = null;
        for (String line : log.split("\n")) {
            if (line.startsWith(GlobalFaultInterceptor.SUMMARY_PREFIX)) {
                last = line.substring(GlobalFaultInterceptor.SUMMARY_PREFIX.length());
            }
        }
        return last;
    }

    /** From a summary line: {injected, calls}. */
    public static long[] injectedOfCalls(String summary) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("injected (\\d+) of (\\d+) calls").matcher(summary);
        if (!m.find()) {
            throw new IllegalArgumentException("not a fault summary: " + summary);
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }
}
