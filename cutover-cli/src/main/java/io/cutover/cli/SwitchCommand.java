package io.cutover.cli;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.control.Gate;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchGates;
import io.cutover.control.SwitchResult;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code cutover switch}: moves an application one phase forward when the gates pass. */
@Command(name = "switch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Move an application one phase forward: SOURCE_ONLY -> DUAL_WRITE -> DUAL_WRITE_TARGET_READS -> TARGET_ONLY.",
                "Only when the gates pass: the migration in sync with lag and backlog under the limits, the last verify clean,",
                "no dead letters. --force overrides them, recorded in the audit log."},
        footer = {"", "Exit codes: 0 switched, 2 bad usage, 4 someone else changed the application first (re-read and decide again),",
                "5 refused by the gates."})
public final class SwitchCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
    String app;

    @Option(names = "--to", paramLabel = "PHASE", description = "The phase expected next (a guard: refused if the application is elsewhere).")
    String to;

    @Option(names = "--force", description = "Switch even if gates fail (recorded as forced, with the gate values).")
    boolean force;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Kept in the audit log.")
    String reason;

    @Mixin
    RegistryOptions registry;

    @Mixin
    RegistryOptions.Limits limits;

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        Optional<Phase> target = Optional.ofNullable(to).map(t -> Phase.parse(t, "--to"));
        try (DynamoDbClient client = registry.client()) {
            PhaseSwitcher switcher = new PhaseSwitcher(new EndpointRegistry(client, registry.table),
                    new SwitchGates(limits.limits(), Clock.systemUTC()), limits.handoverTimeout());
            SwitchResult r = switcher.switchPhase(app, target, force, reason, RegistryOptions.operator());
            printer().result(r, SwitchCommand::text);
            return 0;
        }
    }

    static String text(SwitchResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s: %s -> %s (version %d)%s%n", r.app(), r.from(), r.to(), r.version(),
                r.forced() ? ", FORCED past failed gates" : ""));
        for (Gate g : r.gates()) {
            b.append(String.format(Locale.ROOT, "  %s %-13s %s%n", g.passed() ? "ok  " : "FAIL", g.name(), g.summary().substring(5)));
        }
        r.warnings().forEach(w -> b.append("  warning: ").append(w).append('\n'));
        return b.toString();
    }
}
