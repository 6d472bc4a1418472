package io.cutover.control;

import io.cutover.client.ClientReport;
import io.cutover.client.RegistryEntry;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Evaluates the gates of a forward switch from what the migration and verify leave in their state
 * directories (docs/decisions/0033-switch-gates.md): the migration is running and in sync (fresh
 * status.json in phase IN_SYNC), its lag and backlog are under the limits, the last verify found the
 * tables identical, and nothing was dead-lettered. Reads files only; safe from any thread.
 */
public final class SwitchGates {
    private final GateLimits limits;
    private final Clock clock;

    public SwitchGates(GateLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public GateLimits limits() {
        return limits;
    }

    /** The gates, without application instances (none reporting counts as passing). */
    public List<Gate> evaluate(RegistryEntry entry) {
        return evaluate(entry, List.of());
    }

    /** The gates, given the last report of every application instance that ever reported. */
    public List<Gate> evaluate(RegistryEntry entry, List<ClientReport> clients) {
        List<Gate> gates = new ArrayList<>();
        Optional<Path> stateDir = Optional.ofNullable(entry.stateDir()).map(Path::of);
        Optional<MigrationStatus> status = stateDir.flatMap(DynamoDbMigration::lastStatus);
        if (stateDir.isEmpty()) {
            gates.add(new Gate("migration", false, "no state directory registered", "IN_SYNC",
                    "register the application with --state-dir (the migration's) so its lag can be checked"));
        } else if (status.isEmpty()) {
            gates.add(new Gate("migration", false, "no status.json", "IN_SYNC", "no migration has run in " + stateDir.get()));
        } else {
            MigrationStatus s = status.get();
            gates.add(new Gate("migration", "IN_SYNC".equals(s.phase()), s.phase(), "IN_SYNC", "the migration must have caught up"));
            // A status from a clock slightly ahead of ours is fresh, not negative.
            long age = s.updatedAt() == null ? Long.MAX_VALUE
                    : Math.max(0, Duration.between(Instant.parse(s.updatedAt()), clock.instant()).toSeconds());
            gates.add(new Gate("status-age", age <= limits.maxStatusAgeSeconds(), age == Long.MAX_VALUE ? "unknown" : age + " s",
                    limits.maxStatusAgeSeconds() + " s", "an old status means the migration is not running: its lag is unknown"));
            gates.add(new Gate("lag", s.pipelineLagP99Millis() <= limits.maxLagMillis(), s.pipelineLagP99Millis() + " ms",
                    limits.maxLagMillis() + " ms", "p99 from capture to target acknowledgement"));
            gates.add(new Gate("backlog", s.backlog() <= limits.maxBacklog(), s.backlog() + " changes", limits.maxBacklog() + " changes",
                    "captured but not yet applied"));
        }
        gates.add(verifyGate(entry));
        gates.add(deadLetterGate(stateDir, status));
        gates.add(clientGate(entry, clients));
        return gates;
    }

    /**
     * Every live instance (reported within the status age) runs the current version and owes nothing
     * to either site: otherwise an instance still on the old phase, or a journaled write not yet
     * delivered, could be missing on the side the next phase reads.
     */
    private Gate clientGate(RegistryEntry entry, List<ClientReport> clients) {
        List<ClientReport> live = new ArrayList<>();
        int stale = 0;
        for (ClientReport c : clients) {
            long age = c.at() == null ? Long.MAX_VALUE : Duration.between(Instant.parse(c.at()), clock.instant()).toSeconds();
            if (age <= limits.maxStatusAgeSeconds()) {
                live.add(c);
            } else {
                stale++;
            }
        }
        long behind = live.stream().filter(c -> c.version() != entry.version()).count();
        long pending = live.stream().mapToLong(c -> c.pendingSource() + c.pendingTarget()).sum();
        String value = live.isEmpty() ? "none reporting"
                : behind > 0 ? behind + " of " + live.size() + " not yet on " + entry.phase() + (pending > 0 ? ", " + pending + " journaled" : "")
                : live.size() + " on " + entry.phase() + ", " + pending + " journaled";
        return new Gate("clients", behind == 0 && pending == 0, value, "all on the current phase, 0 journaled",
                "application instances reporting to the registry" + (stale > 0 ? " (" + stale + " silent for longer than "
                        + limits.maxStatusAgeSeconds() + " s are ignored)" : ""));
    }

    private static Gate verifyGate(RegistryEntry entry) {
        if (entry.verifyStateDir() == null) {
            return new Gate("verify", false, "no verify state directory registered", "identical",
                    "register the application with --verify-state-dir");
        }
        Optional<VerifyResult> last = DynamoDbVerification.last(Path.of(entry.verifyStateDir()));
        if (last.isEmpty()) {
            return new Gate("verify", false, "never run", "identical", "run cutover verify --state-dir " + entry.verifyStateDir());
        }
        VerifyResult v = last.get();
        String value = v.identical() ? "identical" : v.missing() + " missing, " + v.extra() + " extra, " + v.different() + " different";
        return new Gate("verify", v.identical(), value, "identical", "the last verify of " + v.source() + " and " + v.target());
    }

    private static Gate deadLetterGate(Optional<Path> stateDir, Optional<MigrationStatus> status) {
        long counted = status.map(MigrationStatus::deadLettered).orElse(0L);
        long inFiles = stateDir.map(SwitchGates::deadLetterLines).orElse(0L);
        long n = Math.max(counted, inFiles);
        return new Gate("dead-letters", n == 0, n + "", "0", "items or changes that could not be written to the target");
    }

    /** Lines in every dead-letter file of the migration (the live apply's and the backfill's). */
    static long deadLetterLines(Path stateDir) {
        long n = 0;
        for (Path f : List.of(stateDir.resolve("dead-letters.jsonl"), stateDir.resolve("backfill").resolve("dead-letters.jsonl"))) {
            if (Files.exists(f)) {
                try (Stream<String> lines = Files.lines(f)) {
                    n += lines.filter(l -> !l.isBlank()).count();
                } catch (IOException e) {
                    n += 1; // unreadable: assume the worst
                }
            }
        }
        return n;
    }
}
