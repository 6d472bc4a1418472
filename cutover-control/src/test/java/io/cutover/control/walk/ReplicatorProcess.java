package io.cutover.control.walk;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.result.MigrationStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One direction of a cut-over (forward or reverse) as its own process, as the failback oracle tests run it: started,
 * killed with SIGKILL, started again on its state directory. Its status is read from the state directory with the
 * reader its kind of migration needs (a torn file reads as no status yet). Used from the test's thread only.
 */
public final class ReplicatorProcess implements AutoCloseable {
    private final String direction;
    private final List<String> command;
    private final Path stateDir;
    private final Path logDir;
    private final Function<Path, Optional<MigrationStatus>> reader;
    private Process process;
    private Instant started = Instant.EPOCH;

    /**
     * @param command the process's command line (a main class run with this JVM's class path, say)
     * @param reader  reads the direction's last status from its state directory
     */
    public ReplicatorProcess(String direction, List<String> command, Path stateDir, Path logDir,
                             Function<Path, Optional<MigrationStatus>> reader) {
        this.direction = direction;
        this.command = List.copyOf(command);
        this.stateDir = stateDir;
        this.logDir = logDir;
        this.reader = reader;
    }

    /** A JVM running {@code main} with this JVM's class path and 256 MB of heap. */
    public static List<String> java(Class<?> main, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public String direction() {
        return direction;
    }

    public Path stateDir() {
        return stateDir;
    }

    public void start() throws Exception {
        started = Instant.now();
        Files.createDirectories(logDir);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logDir.resolve(direction + "-" + System.nanoTime() + ".log").toFile()).start();
    }

    /** kill -9, then started again; returns once the restarted process has written IN_SYNC. */
    public void kill9AndRestart() throws Exception {
        process.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the " + direction + " replicator did not die");
        start();
        FailbackWalk.waitFor("the " + direction + " replicator in sync after kill -9", this::freshInSync, this);
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Fails the test, naming the logs, when the process has exited. */
    public void assertAlive(String before) {
        assertTrue(process == null || process.isAlive(), () -> "the " + direction + " replicator exited before " + before
                + " (exit " + process.exitValue() + "); see its log in " + logDir.toAbsolutePath());
    }

    public Optional<MigrationStatus> status() {
        try {
            return reader.apply(stateDir);
        } catch (RuntimeException torn) {
            return Optional.empty();
        }
    }

    public boolean inSync() {
        return status().map(s -> s.phase().equals("IN_SYNC")).orElse(false);
    }

    /** IN_SYNC in a status written after the last start (a restarted process has run again). */
    public boolean freshInSync() {
        return status().map(s -> s.phase().equals("IN_SYNC") && s.updatedAt() != null && Instant.parse(s.updatedAt()).isAfter(started))
                .orElse(false);
    }

    /** Nothing captured is waiting to be applied. */
    public boolean drained() {
        return status().map(s -> s.backlog() == 0).orElse(false);
    }

    public boolean fenced() {
        return status().map(MigrationStatus::fenced).orElse(false);
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
        }
    }
}
