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
    private final EndpointRegistry registry;
    private final SwitchGates gates;
    private final AppSetups setups;

    /** A switcher whose gates read the paths and tables of the registry entry: the operator's CLI (decision 0120). */
    public PhaseSwitcher(EndpointRegistry registry, SwitchGates gates) {
        this(registry, gates, AppSetups.FROM_REGISTRY);
    }

    /** A switcher whose gates read the paths and tables of {@code setups}: {@code cutover serve}'s own configuration. */
    public PhaseSwitcher(EndpointRegistry registry, SwitchGates gates, AppSetups setups) {
        this.registry = registry;
        this.gates = gates;
        this.setups = setups;
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
        RegistryEntry after = registry.change(app, entry.version(), next, by, "switch", reason, force && !failed.isEmpty(),
                summaries(evaluated), warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", app, w));
        return new SwitchResult(app, "switch", from, next, after.version(), force && !failed.isEmpty(), evaluated, warnings,
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
        RegistryEntry after = registry.change(app, entry.version(), previous, by, "rollback", reason, false, summaries(evaluated), warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", app, w));
        return new SwitchResult(app, "rollback", from, previous, after.version(), false, evaluated, warnings, after.updatedBy(),
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
        RegistryEntry after = registry.change(app, entry.version(), Phase.DUAL_WRITE, by, "failback", reason, force && !failed.isEmpty(),
                summaries(evaluated), warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", app, w));
        return new SwitchResult(app, "failback", from, Phase.DUAL_WRITE, after.version(), force && !failed.isEmpty(), evaluated,
                warnings, after.updatedBy(), after.updatedAt());
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
