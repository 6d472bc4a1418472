package io.cutover.control;

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
 * (the application's verify state directory), so the switch gates see it. The directory, the tables and their endpoints
 * come from the {@link AppSetup} it is given ({@code cutover serve}'s own configuration), never from the registry entry
 * (docs/decisions/0120-serve-trusts-its-own-configuration.md).
 */
public final class VerifyRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VerifyRunner.class);

    /** The verify of one application: running, or how it ended. */
    public record Run(String app, String startedAt, boolean running, String finishedAt, String outcome, String error) {
    }

    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    /** Starts a verify; a {@link ErrorCode#CONFLICT} if one is already running for the application. */
    public synchronized Run start(AppSetup entry) {
        if (entry.verifyStateDir() == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "application '" + entry.app() + "' has no verify state directory in "
                    + entry.origin() + ": " + entry.fix("verify-state-dir"));
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

    private void verify(AppSetup entry, String started) {
        Path stateDir = entry.verifyStateDir();
        Path report = stateDir.resolve("verify-report-" + started.replace(':', '-') + ".jsonl");
        try (DynamoDbVerification v = new DynamoDbVerification(endpoint("source", entry.source(), entry.sourceProfile()),
                endpoint("target", entry.target(), entry.targetProfile()), 20)) {
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

    static DynamoDbEndpoint endpoint(String role, StoreEndpoint e, String profile) {
        return new DynamoDbEndpoint(role, Optional.ofNullable(e.endpointUrl()).map(URI::create), Optional.ofNullable(e.region()),
                Optional.ofNullable(profile));
    }

    @Override
    public void close() {
        threads.values().forEach(Thread::interrupt);
    }
}
