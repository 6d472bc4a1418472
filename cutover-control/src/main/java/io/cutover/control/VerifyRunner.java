package io.cutover.control;

import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbVerification;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code cutover verify} for an application in the background (started and stopped from the HTTP
 * API), at most one per application. The result lands where {@code cutover verify --state-dir} keeps it
 * (the application's verify state directory), so the switch gates see it.
 */
public final class VerifyRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyRunner.class);

    /** The verify of one application: running, or how it ended. */
    public record Run(String app, String startedAt, boolean running, String finishedAt, String outcome, String error) {
    }

    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    /** Starts a verify; a {@link ErrorCode#CONFLICT} if one is already running for the application. */
    public synchronized Run start(RegistryEntry entry) {
        if (entry.verifyStateDir() == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "application '" + entry.app() + "' has no verify state directory:"
                    + " register it with --verify-state-dir");
        }
        Thread running = threads.get(entry.app());
        if (running != null && running.isAlive()) {
            throw new CutoverException(ErrorCode.CONFLICT, "a verify of '" + entry.app() + "' is already running (started "
                    + runs.get(entry.app()).startedAt() + "); stop it first");
        }
        String started = Instant.now().toString();
        Run run = new Run(entry.app(), started, true, null, null, null);
        runs.put(entry.app(), run);
        Thread t = new Thread(() -> verify(entry, started), "cutover-verify-" + entry.app());
        t.setDaemon(true);
        threads.put(entry.app(), t);
        t.start();
        return run;
    }

    /** Stops a running verify (it ends as interrupted); returns what is known of the run. */
    public synchronized Optional<Run> stop(String app) {
        Thread t = threads.get(app);
        if (t != null && t.isAlive()) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Optional.ofNullable(runs.get(app));
    }

    public Optional<Run> run(String app) {
        return Optional.ofNullable(runs.get(app));
    }

    private void verify(RegistryEntry entry, String started) {
        Path stateDir = Path.of(entry.verifyStateDir());
        Path report = stateDir.resolve("verify-report-" + started.replace(':', '-') + ".jsonl");
        try (DynamoDbVerification v = new DynamoDbVerification(endpoint("source", entry.source()), endpoint("target", entry.target()), 20)) {
            VerifyResult r = v.run(entry.source().table(), entry.target().table(), VerifyOptions.defaults(), CopyProgress.NONE, report,
                    Optional.of(stateDir));
            runs.put(entry.app(), new Run(entry.app(), started, false, Instant.now().toString(), r.status(), null));
        } catch (RuntimeException e) {
            LOG.warn("verify of {} failed: {}", entry.app(), e.getMessage());
            boolean interrupted = e instanceof CutoverException c && c.code() == ErrorCode.INTERRUPTED;
            runs.put(entry.app(), new Run(entry.app(), started, false, Instant.now().toString(), interrupted ? "stopped" : "failed",
                    e.getMessage()));
        }
    }

    static DynamoDbEndpoint endpoint(String role, StoreEndpoint e) {
        return new DynamoDbEndpoint(role, Optional.ofNullable(e.endpointUrl()).map(URI::create), Optional.ofNullable(e.region()),
                Optional.empty());
    }

    @Override
    public void close() {
        threads.values().forEach(Thread::interrupt);
    }
}
