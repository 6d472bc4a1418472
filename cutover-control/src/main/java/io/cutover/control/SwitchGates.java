package io.cutover.control;

import io.cutover.client.ClientReport;
import io.cutover.client.Phase;
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

    /** The gates, given the last report of every application instance that ever reported; silence judged on our clock. */
    public List<Gate> evaluate(RegistryEntry entry, List<ClientReport> clients) {
        return evaluate(entry, clients, clock.instant());
    }

    /**
     * The gates, given the last report of every application instance that ever reported, and the registry's clock now
     * (the clock the reports' times are on), so that an instance's silence is judged on one clock.
     */
    public List<Gate> evaluate(RegistryEntry entry, List<ClientReport> clients, Instant registryNow) {
        return evaluate(entry, AppSetup.ofEntry(entry), clients, registryNow);
    }

    /**
     * The gates of the entry's phase and version, with the state directories and tables of {@code setup} (for {@code
     * cutover serve}, the operator's own configuration, never the entry's paths: decision 0120).
     */
    public List<Gate> evaluate(RegistryEntry entry, AppSetup setup, List<ClientReport> clients, Instant registryNow) {
        Optional<Path> stateDir = setup.state();
        List<Gate> gates = new ArrayList<>(migrationGates("", stateDir, setup, "state-dir"));
        gates.add(verifyGate("verify", setup, stateDir.flatMap(DynamoDbMigration::inSyncSince)));
        gates.add(deadLetterGate("dead-letters", stateDir));
        gates.add(clientGate(entry, clients, registryNow));
        if (entry.phase() == Phase.DUAL_WRITE) {
            gates.add(reverseCaptureGate(setup));
        }
        return gates;
    }

    /**
     * The gates of {@code cutover failback} (docs/decisions/0074-failback-and-the-replication-fence.md): the same checks as
     * a forward switch, on the reverse direction (the target's stream applied to the source): running and IN_SYNC, fresh,
     * its lag and backlog under the limits, nothing dead-lettered, a clean verify of the registered tables finished after
     * the reverse reached IN_SYNC and recent; and the same {@code clients} gate.
     */
    public List<Gate> evaluateFailback(RegistryEntry entry, List<ClientReport> clients, Instant registryNow) {
        return evaluateFailback(entry, AppSetup.ofEntry(entry), clients, registryNow);
    }

    /** The failback gates, with the state directories and tables of {@code setup}. */
    public List<Gate> evaluateFailback(RegistryEntry entry, AppSetup setup, List<ClientReport> clients, Instant registryNow) {
        Optional<Path> reverseDir = setup.reverse();
        List<Gate> gates = new ArrayList<>(migrationGates("reverse-", reverseDir, setup, "reverse-state-dir"));
        gates.add(drainedGate(entry, reverseDir.flatMap(DynamoDbMigration::lastStatus)));
        gates.add(verifyGate("reverse-verify", setup, reverseDir.flatMap(DynamoDbMigration::inSyncSince)));
        gates.add(deadLetterGate("reverse-dead-letters", reverseDir));
        gates.add(clientGate(entry, clients, registryNow));
        return gates;
    }

    /** How long after the entry's last change the reverse must show an empty backlog: poll, bounded switch wait, stream delay. */
    static final Duration DRAIN_MARGIN = Duration.ofSeconds(5);

    /**
     * The reverse applier has applied everything the target's stream carried from before the current phase took effect: an
     * empty backlog in a status written at least {@link #DRAIN_MARGIN} after the entry last changed (instances take the
     * phase within a poll interval and a bounded switch wait, and the stream delivers a write within about a second). The
     * source becomes primary at DUAL_WRITE, and a read-modify-write on it must not start from a value the reverse has not
     * applied yet.
     */
    private static Gate drainedGate(RegistryEntry entry, Optional<MigrationStatus> status) {
        Instant changed = entry.updatedAt() == null ? Instant.EPOCH : Instant.parse(entry.updatedAt());
        Instant needed = changed.plus(DRAIN_MARGIN);
        boolean drained = status.isPresent() && status.get().backlog() == 0 && status.get().updatedAt() != null
                && !Instant.parse(status.get().updatedAt()).isBefore(needed);
        String value = status.map(s -> s.backlog() + " changes at " + s.updatedAt()).orElse("no status");
        return new Gate("reverse-drained", drained, value, "0 changes, in a status from " + needed + " or later",
                "the source must hold every write the target took before it becomes primary again");
    }

    /**
     * The handover of the site of record to the target (DUAL_WRITE to DUAL_WRITE_TARGET_READS) needs the reverse capture to
     * have recorded every shard's position of the target's stream first (0073): otherwise the writes made on the target
     * from then on could never be brought back to the source, and a failback would lose them.
     */
    private static Gate reverseCaptureGate(AppSetup setup) {
        String required = "positions recorded";
        if (setup.reverseStateDir() == null) {
            return new Gate("reverse-capture", false, "no reverse state directory in " + setup.origin(), required,
                    setup.fix("reverse-state-dir") + " and run 'cutover migrate --capture-only --enable-stream' from"
                            + " the target to the source with that --state-dir before the handover");
        }
        // Read as a tree: the way back of a SQL pair (decision 0200) is a SQL migration, whose migration.json has other fields.
        Optional<com.fasterxml.jackson.databind.JsonNode> state = io.cutover.core.checkpoint.JsonStateFile.read(
                setup.reverseStateDir().resolve(DynamoDbMigration.STATE_FILE), com.fasterxml.jackson.databind.JsonNode.class, ": pass --restart");
        Optional<String> phase = state.map(s -> s.path("phase").asText());
        boolean recorded = phase.map(p -> p.equals("CATCH_UP") || p.equals("IN_SYNC")).orElse(false);
        return new Gate("reverse-capture", recorded, phase.orElse("not started"), required,
                recorded ? "the reverse capture of " + state.get().path("sourceTable").asText() + " has recorded its stream positions"
                        : "run 'cutover migrate --capture-only --enable-stream' from the target to the source with --state-dir "
                        + setup.reverseStateDir() + " until it leaves CAPTURE");
    }

    /** The gates on one direction's migration: in sync, running (fresh status), lag and backlog under the limits. */
    private List<Gate> migrationGates(String prefix, Optional<Path> stateDir, AppSetup setup, String key) {
        List<Gate> gates = new ArrayList<>();
        Optional<MigrationStatus> status = stateDir.flatMap(DynamoDbMigration::lastStatus);
        if (stateDir.isEmpty()) {
            gates.add(new Gate(prefix + "migration", false, "no state directory in " + setup.origin(), "IN_SYNC",
                    setup.fix(key) + " (the migration's) so its lag can be checked"));
            return gates;
        }
        if (status.isEmpty()) {
            gates.add(new Gate(prefix + "migration", false, "no status.json", "IN_SYNC", "no migration has run in " + stateDir.get()));
            return gates;
        }
        MigrationStatus s = status.get();
        gates.add(new Gate(prefix + "migration", "IN_SYNC".equals(s.phase()), s.phase(), "IN_SYNC", "the migration must have caught up"));
        // A status from a clock slightly ahead of ours is fresh, not negative.
        long age = s.updatedAt() == null ? Long.MAX_VALUE
                : Math.max(0, Duration.between(Instant.parse(s.updatedAt()), clock.instant()).toSeconds());
        gates.add(new Gate(prefix + "status-age", age <= limits.maxStatusAgeSeconds(), age == Long.MAX_VALUE ? "unknown" : age + " s",
                limits.maxStatusAgeSeconds() + " s", "an old status means the migration is not running: its lag is unknown"));
        gates.add(new Gate(prefix + "lag", s.pipelineLagP99Millis() <= limits.maxLagMillis(), s.pipelineLagP99Millis() + " ms",
                limits.maxLagMillis() + " ms", "p99 from capture to acknowledgement"));
        gates.add(new Gate(prefix + "backlog", s.backlog() <= limits.maxBacklog(), s.backlog() + " changes", limits.maxBacklog() + " changes",
                "captured but not yet applied"));
        return gates;
    }

    /**
     * Every live instance (reported within the status age) runs the current version, and no instance owes anything to
     * either site: otherwise an instance still on the old phase, or a journaled write not yet delivered, could be
     * missing on the side the next phase reads. An instance that owes writes blocks the gate however long it has been
     * silent (a silent instance that owes the most is exactly the dangerous one), until it reports an empty journal or
     * an operator removes it ({@code cutover registry forget-instance}, audited). A silent instance that owed nothing
     * is gone and named. Report times are on the registry's clock.
     */
    private Gate clientGate(RegistryEntry entry, List<ClientReport> clients, Instant now) {
        int live = 0;
        long behind = 0;
        long pending = 0;
        List<String> silentOwing = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (ClientReport c : clients) {
            long age = c.at() == null ? Long.MAX_VALUE : Duration.between(Instant.parse(c.at()), now).toSeconds();
            long owes = c.pendingSource() + c.pendingTarget();
            pending += owes;
            boolean silent = age > limits.maxStatusAgeSeconds();
            if (silent && owes > 0) {
                silentOwing.add(c.instance() + " (" + owes + " owed, silent " + (age == Long.MAX_VALUE ? "?" : age) + " s)");
            } else if (silent) {
                gone.add(c.instance());
            } else {
                live++;
                if (c.version() != entry.version()) {
                    behind++;
                }
            }
        }
        String value = live == 0 && silentOwing.isEmpty() ? "none reporting"
                : behind > 0 ? behind + " of " + live + " not yet on " + entry.phase() + (pending > 0 ? ", " + pending + " journaled" : "")
                : live + " on " + entry.phase() + ", " + pending + " journaled";
        if (!silentOwing.isEmpty()) {
            value += "; silent and owing: " + String.join(", ", silentOwing);
        }
        String detail = "application instances reporting to the registry"
                + (gone.isEmpty() ? "" : " (silent for longer than " + limits.maxStatusAgeSeconds() + " s and owing nothing, so gone: "
                        + String.join(", ", gone) + ")")
                + (silentOwing.isEmpty() ? "" : "; an instance that owes writes blocks until it reports an empty journal or"
                        + " 'cutover registry forget-instance' removes it");
        return new Gate("clients", behind == 0 && pending == 0, value, "all on the current phase, 0 journaled", detail);
    }

    /**
     * The last verify compared the registered tables, found them identical, finished after the migration reached
     * IN_SYNC (a verify from before then proves nothing about the changes applied since) and is recent enough.
     */
    private Gate verifyGate(String name, AppSetup entry, Optional<Instant> inSyncSince) {
        if (entry.verifyStateDir() == null) {
            return new Gate(name, false, "no verify state directory in " + entry.origin(), "identical", entry.fix("verify-state-dir"));
        }
        Path dir = entry.verifyStateDir();
        Optional<VerifyResult> last = DynamoDbVerification.last(dir);
        if (last.isEmpty()) {
            return new Gate(name, false, "never run", "identical", "run cutover verify --state-dir " + entry.verifyStateDir());
        }
        VerifyResult v = last.get();
        String required = "identical, of " + entry.source().table() + " and " + entry.target().table() + ", after IN_SYNC, at most "
                + limits.maxVerifyAgeSeconds() + " s old";
        // Either order: a verify of the target against the source (the reverse direction's) compares the same pair.
        boolean forward = entry.source().table().equals(tableOf(v.source())) && entry.target().table().equals(tableOf(v.target()));
        boolean reverse = entry.source().table().equals(tableOf(v.target())) && entry.target().table().equals(tableOf(v.source()));
        if (!forward && !reverse) {
            return new Gate(name, false, "of " + v.source() + " and " + v.target(), required,
                    "the last verify compared other tables than the registered ones: run cutover verify of the registered tables");
        }
        if (!v.identical()) {
            return new Gate(name, false, v.missing() + " missing, " + v.extra() + " extra, " + v.different() + " different", required,
                    "the last verify of " + v.source() + " and " + v.target());
        }
        Instant finished = DynamoDbVerification.lastFinishedAt(dir).orElse(Instant.EPOCH);
        if (inSyncSince.isPresent() && finished.isBefore(inSyncSince.get())) {
            return new Gate(name, false, "identical, but finished before IN_SYNC (" + inSyncSince.get() + ")", required,
                    "a verify from before the migration reached IN_SYNC proves nothing about the changes applied since: verify again");
        }
        long age = Math.max(0, Duration.between(finished, clock.instant()).toSeconds());
        if (age > limits.maxVerifyAgeSeconds()) {
            return new Gate(name, false, "identical, " + age + " s old", required,
                    "the last verify is older than --max-verify-age: verify again");
        }
        return new Gate(name, true, "identical, " + age + " s old", required, "the last verify of " + v.source() + " and " + v.target());
    }

    private static final java.util.regex.Pattern DESCRIBED = java.util.regex.Pattern.compile("^\\S+ (?:table (\\S+) at|collection (\\S+) in \\S+ at) .*$");

    /**
     * The table a verify side names ("source table orders at http://...", or a MongoDB collection: "source collection orders
     * in shop at mongodb://..."), or the description itself.
     */
    static String tableOf(String described) {
        java.util.regex.Matcher m = DESCRIBED.matcher(described == null ? "" : described);
        return !m.matches() ? described : m.group(1) != null ? m.group(1) : m.group(2);
    }

    private static Gate deadLetterGate(String name, Optional<Path> stateDir) {
        long counted = stateDir.flatMap(DynamoDbMigration::lastStatus).map(MigrationStatus::deadLettered).orElse(0L);
        long inFiles = stateDir.map(SwitchGates::deadLetterLines).orElse(0L);
        long n = Math.max(counted, inFiles);
        return new Gate(name, n == 0, n + "", "0", "items or changes that could not be written to the target");
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
