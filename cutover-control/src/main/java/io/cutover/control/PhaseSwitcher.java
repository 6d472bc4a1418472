package io.cutover.control;

import io.cutover.client.AuditRecord;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cutover switch} and {@code cutover rollback}, shared by the CLI and the HTTP API: one phase
 * at a time, forwards only when the gates pass (or with {@code force}, recorded), backwards always
 * (rollback is the way out and must not be blocked by the very problem it escapes). Every change is
 * one conditional write with its audit record (see {@link EndpointRegistry#change}).
 */
public final class PhaseSwitcher {
    private static final Logger LOG = LoggerFactory.getLogger(PhaseSwitcher.class);
    /** How long the first step of a handover waits for every live instance to confirm the fence, by default. */
    public static final java.time.Duration DEFAULT_HANDOVER_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** Silence beyond the lease, on the registry's clock, after which an instance that owes nothing has stopped writing. */
    static final java.time.Duration LEASE_MARGIN = java.time.Duration.ofSeconds(2);

    private final EndpointRegistry registry;
    private final SwitchGates gates;
    private final AppSetups setups;
    private final java.time.Duration handoverTimeout;

    /** A switcher whose gates read the paths and tables of the registry entry: the operator's CLI (decision 0120). */
    public PhaseSwitcher(EndpointRegistry registry, SwitchGates gates) {
        this(registry, gates, AppSetups.FROM_REGISTRY, DEFAULT_HANDOVER_TIMEOUT);
    }

    /** The operator's CLI with its {@code --handover-timeout-ms}. */
    public PhaseSwitcher(EndpointRegistry registry, SwitchGates gates, java.time.Duration handoverTimeout) {
        this(registry, gates, AppSetups.FROM_REGISTRY, handoverTimeout);
    }

    /** A switcher whose gates read the paths and tables of {@code setups}: {@code cutover serve}'s own configuration. */
    public PhaseSwitcher(EndpointRegistry registry, SwitchGates gates, AppSetups setups) {
        this(registry, gates, setups, DEFAULT_HANDOVER_TIMEOUT);
    }

    /** @param handoverTimeout how long a handover of the site of record waits for the instances to confirm its fence */
    public PhaseSwitcher(EndpointRegistry registry, SwitchGates gates, AppSetups setups, java.time.Duration handoverTimeout) {
        if (handoverTimeout == null || handoverTimeout.isNegative() || handoverTimeout.isZero()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--handover-timeout-ms must be positive, was " + handoverTimeout);
        }
        this.registry = registry;
        this.gates = gates;
        this.setups = setups;
        this.handoverTimeout = handoverTimeout;
    }

    public AppSetups setups() {
        return setups;
    }

    public EndpointRegistry registry() {
        return registry;
    }

    public SwitchGates gates() {
        return gates;
    }

    /** Moves {@code app} one phase forward; {@code to}, when given, must be that phase (a guard against stale screens). */
    public SwitchResult switchPhase(String app, Optional<Phase> to, boolean force, String reason, String by) {
        RegistryEntry entry = registry.require(app);
        Phase from = entry.phase();
        Phase next = from.next().orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID, "application '" + app
                + "' is already at " + from + ", the last phase: nothing to switch to ('cutover rollback' moves back)"));
        if (to.isPresent() && to.get() != next) {
            throw new CutoverException(to.get() == from ? ErrorCode.CONFLICT : ErrorCode.CONFIG_INVALID, "--to " + to.get()
                    + ": application '" + app + "' is at " + from + (to.get() == from ? " already" : "; a switch moves one phase at a time,"
                    + " so the next is " + next));
        }
        List<Gate> evaluated = gates.evaluate(entry, setups.of(entry), registry.clients(app), registry.now());
        List<Gate> failed = evaluated.stream().filter(g -> !g.passed()).toList();
        List<String> warnings = enforce("switch", app, from, next, evaluated, force);
        if (next == Phase.TARGET_ONLY) {
            warnings.add("from now on writes reach only the target and the forward applier stops (the fence): keep the reverse"
                    + " migration running, so that 'cutover failback' can return the site of record to the source");
        }
        List<Gate> shown = new ArrayList<>(evaluated);
        long base = handOver(entry, next, "switch", false, reason, by, shown, warnings);
        RegistryEntry after = registry.change(app, base, next, by, "switch", reason, force && !failed.isEmpty(),
                summaries(shown), warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", app, w));
        return new SwitchResult(app, "switch", from, next, after.version(), force && !failed.isEmpty(), shown, warnings,
                after.updatedBy(), after.updatedAt());
    }

    /**
     * Moves {@code app} one phase back from {@code expectedFrom}, the phase the operator saw; the gates are recorded, not
     * enforced. A {@link ErrorCode#CONFLICT} when the application is no longer at {@code expectedFrom}: a double click or
     * a second operator must not walk it two phases back onto a stale site.
     */
    public SwitchResult rollback(String app, Phase expectedFrom, String reason, String by) {
        RegistryEntry entry = requireAt(app, expectedFrom, "rolling back");
        Phase from = entry.phase();
        Phase previous = from.previous().orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID, "application '" + app
                + "' is at " + from + ", the first phase: nothing to roll back to"));
        List<Gate> evaluated = gates.evaluate(entry, setups.of(entry), registry.clients(app), registry.now());
        List<String> warnings = new ArrayList<>();
        if (previous == Phase.DUAL_WRITE && wasTargetOnly(app)) {
            warnings.add("this application was at TARGET_ONLY: writes made then reached only the target, and reads now come from the"
                    + " source again; copy the target back to the source (or verify them) before relying on it");
        }
        List<Gate> shown = new ArrayList<>(evaluated);
        // a rollback is the way out: it waits for the fence like a switch, but goes on (with a warning) when it times out
        long base = handOver(entry, previous, "rollback", true, reason, by, shown, warnings);
        RegistryEntry after = registry.change(app, base, previous, by, "rollback", reason, false, summaries(shown), warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", app, w));
        return new SwitchResult(app, "rollback", from, previous, after.version(), false, shown, warnings, after.updatedBy(),
                after.updatedAt());
    }

    /**
     * {@code cutover failback}: returns the site of record to the source, from {@link Phase#DUAL_WRITE_TARGET_READS} (the
     * phase the operator saw, {@code expectedFrom}) to {@link Phase#DUAL_WRITE}, when the reverse direction's gates pass
     * ({@link SwitchGates#evaluateFailback}), or with {@code force} (recorded). From TARGET_ONLY, roll back to
     * DUAL_WRITE_TARGET_READS first: the new primary must hold every acknowledged write before it serves a
     * read-modify-write (docs/decisions/0074-failback-and-the-replication-fence.md). {@code cutover rollback --from
     * DUAL_WRITE} then leaves the target. A {@link ErrorCode#CONFLICT} when the application is no longer at {@code expectedFrom}.
     */
    public SwitchResult failback(String app, Phase expectedFrom, boolean force, String reason, String by) {
        RegistryEntry entry = requireAt(app, expectedFrom, "failing back");
        Phase from = entry.phase();
        if (from.primary() != io.cutover.client.Site.TARGET) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "application '" + app + "' is at " + from + ": its site of record is"
                    + " already the source, so there is nothing to fail back ('cutover rollback' moves one phase back)");
        }
        if (from == Phase.TARGET_ONLY) {
            // The source got TARGET_ONLY's writes only through the reverse applier; made primary now, a read-modify-write on it
            // could start from a value the reverse has not applied yet and lose an increment (FailbackIT found it).
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "application '" + app + "' is at TARGET_ONLY: first 'cutover rollback"
                    + " --from TARGET_ONLY' (every write reaches both sites again, reads stay on the target), then 'cutover failback"
                    + " --from DUAL_WRITE_TARGET_READS' once the reverse has applied everything written before");
        }
        List<Gate> evaluated = gates.evaluateFailback(entry, setups.of(entry), registry.clients(app), registry.now());
        List<Gate> failed = evaluated.stream().filter(g -> !g.passed()).toList();
        List<String> warnings = enforce("failback", app, from, Phase.DUAL_WRITE, evaluated, force);
        List<Gate> shown = new ArrayList<>(evaluated);
        long base = handOver(entry, Phase.DUAL_WRITE, "failback", false, reason, by, shown, warnings);
        RegistryEntry after = registry.change(app, base, Phase.DUAL_WRITE, by, "failback", reason, force && !failed.isEmpty(),
                summaries(shown), warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", app, w));
        return new SwitchResult(app, "failback", from, Phase.DUAL_WRITE, after.version(), force && !failed.isEmpty(), shown,
                warnings, after.updatedBy(), after.updatedAt());
    }

    /**
     * The first step of a move that changes the site of record (docs/decisions/0101-fenced-handover.md): fences writes in
     * the registry, then waits until every instance that may still write has confirmed it: it reported the fence's version
     * (so nothing of the old epoch is in flight there) and owes the new primary nothing. An instance silent for longer than
     * the lease ({@link io.cutover.client.MigratingStore#DEFAULT_LEASE}) plus a margin has stopped writing by its own rule
     * and is not waited for, unless it owes writes. Returns the version the second step must be conditioned on.
     *
     * <p>When the wait times out: with {@code goOn} (a rollback, the way out), the move goes on with a warning naming the
     * instances; otherwise the fence is taken down (the old phase again, next version) and the move is refused with
     * {@link ErrorCode#GATES_REFUSED}, whatever {@code --force} says: an instance that has not confirmed may still be writing
     * the old site of record, and a dead one is not waited for once its lease ran out.
     * A move that keeps the primary (for example DUAL_WRITE to SOURCE_ONLY) needs no fence: returns the entry's version.
     */
    private long handOver(RegistryEntry entry, Phase to, String action, boolean goOn, String reason, String by, List<Gate> shown,
                          List<String> warnings) {
        if (entry.phase().primary() == to.primary()) {
            return entry.version();
        }
        long started = System.nanoTime();
        RegistryEntry fence = registry.beginHandover(entry.app(), entry.version(), to, by, action, reason);
        io.cutover.client.Site next = to.primary();
        long deadline = started + handoverTimeout.toNanos();
        List<String> waiting;
        while (true) {
            waiting = unconfirmed(fence, next);
            if (waiting.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                waiting = List.of("interrupted");
                break;
            }
        }
        long tookMs = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (waiting.isEmpty()) {
            shown.add(new Gate("handover", true, "every instance fenced in " + tookMs + " ms", handoverTimeout.toMillis() + " ms",
                    "no write of the old site of record is in flight or owed when the new one starts"));
            return fence.version();
        }
        String list = String.join(", ", waiting);
        shown.add(new Gate("handover", false, "not confirmed after " + tookMs + " ms: " + list, handoverTimeout.toMillis() + " ms",
                "an instance that has not confirmed the fence may still write the old site of record"));
        if (goOn) {
            warnings.add("the handover went on although these instances had not confirmed its fence within " + handoverTimeout.toMillis()
                    + " ms: " + list + "; a write they make on the old site of record may be lost: verify both sites");
            return fence.version();
        }
        registry.change(entry.app(), fence.version(), entry.phase(), by, action + "-abandoned", reason, false, summaries(shown),
                List.of("handover abandoned: " + list));
        throw new SwitchRefusedException(action + " of '" + entry.app() + "' from " + entry.phase() + " to " + to + " refused: these"
                + " instances did not confirm the handover's fence within " + handoverTimeout.toMillis() + " ms: " + list + ". Writes"
                + " resumed on " + entry.phase() + ". Try again when their writes in flight have finished; an instance that is gone"
                + " is not waited for once it has been silent for " + io.cutover.client.MigratingStore.DEFAULT_LEASE.plus(LEASE_MARGIN)
                .toSeconds() + " s, unless it owes writes ('cutover registry forget-instance')", shown);
    }

    /** The instances that have not confirmed {@code fence} yet: each with what it last reported. */
    private List<String> unconfirmed(RegistryEntry fence, io.cutover.client.Site next) {
        java.time.Instant now = registry.now();
        long stoppedAfterMs = io.cutover.client.MigratingStore.DEFAULT_LEASE.plus(LEASE_MARGIN).toMillis();
        List<String> out = new ArrayList<>();
        for (io.cutover.client.ClientReport c : registry.clients(fence.app())) {
            long ageMs = c.at() == null ? Long.MAX_VALUE : java.time.Duration.between(java.time.Instant.parse(c.at()), now).toMillis();
            long owes = next == io.cutover.client.Site.TARGET ? c.pendingTarget() : c.pendingSource();
            if (ageMs > stoppedAfterMs && owes == 0) {
                continue; // silent beyond its lease: it stopped writing by its own rule
            }
            if (c.version() < fence.version() || owes > 0) {
                out.add(c.instance() + " (version " + c.version() + (owes > 0 ? ", owes " + owes : "") + ")");
            }
        }
        return out;
    }

    /** The entry, if it is at {@code expectedFrom} (the phase the operator saw); a {@link ErrorCode#CONFLICT} otherwise. */
    private RegistryEntry requireAt(String app, Phase expectedFrom, String doing) {
        RegistryEntry entry = registry.require(app);
        Phase from = entry.phase();
        if (expectedFrom == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--from: name the phase you are " + doing + " from (application '" + app
                    + "' is at " + from + "), so that a stale screen or a second click cannot act twice");
        }
        if (expectedFrom != from) {
            throw new CutoverException(ErrorCode.CONFLICT, "--from " + expectedFrom + ": application '" + app + "' is at " + from
                    + " (version " + entry.version() + ", changed by " + entry.updatedBy() + " at " + entry.updatedAt()
                    + "); look with 'cutover registry show --app " + app + "' and decide again");
        }
        return entry;
    }

    /** Refuses when a gate failed, unless {@code force}; returns the warning that records an override. */
    private static List<String> enforce(String action, String app, Phase from, Phase to, List<Gate> evaluated, boolean force) {
        List<Gate> failed = evaluated.stream().filter(g -> !g.passed()).toList();
        List<String> warnings = new ArrayList<>();
        if (!failed.isEmpty()) {
            String list = failed.stream().map(g -> g.name() + " " + g.summary()).collect(Collectors.joining("; "));
            if (!force) {
                throw new SwitchRefusedException(action + " of '" + app + "' from " + from + " to " + to + " refused: " + list
                        + ". Fix them, or pass --force to " + (action.equals("switch") ? "switch" : "fail back")
                        + " anyway (recorded in the audit log)", evaluated);
            }
            warnings.add("gates overridden with --force: " + list);
        }
        return warnings;
    }

    private boolean wasTargetOnly(String app) {
        return registry.history(app).stream().map(AuditRecord::to).anyMatch(p -> p == Phase.TARGET_ONLY);
    }

    private static Map<String, String> summaries(List<Gate> gates) {
        Map<String, String> out = new LinkedHashMap<>();
        gates.forEach(g -> out.put(g.name(), g.summary()));
        return out;
    }
}
