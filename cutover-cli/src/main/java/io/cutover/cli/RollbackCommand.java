package io.cutover.cli;

import io.cutover.client.EndpointRegistry;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchGates;
import io.cutover.control.SwitchResult;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code cutover rollback}: moves an application one phase back, always (gate values are recorded, not enforced). */
@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Move an application one phase back. Never blocked by gates (their values are recorded in the audit log)."},
        footer = {"", "Exit codes: 0 rolled back, 2 bad usage or already at SOURCE_ONLY, 4 someone else changed the application first or it is no longer at --from."})
public final class RollbackCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
    String app;

    @Option(names = {"--from", "--expect"}, required = true, paramLabel = "PHASE",
            description = "The phase you saw the application in; refused (exit 4) if it is no longer there, so a repeated or"
                    + " concurrent rollback cannot walk it two phases back.")
    String from;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Kept in the audit log.")
    String reason;

    @Option(names = "--handover-timeout-ms", paramLabel = "MS", defaultValue = "10000", description = "A rollback that moves the site"
            + " of record back (DUAL_WRITE_TARGET_READS -> DUAL_WRITE) fences writes and waits this long for every instance to"
            + " confirm, then goes on with a warning naming those that did not (default: ${DEFAULT-VALUE}).")
    long handoverTimeoutMillis;

    @Mixin
    RegistryOptions registry;

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        try (DynamoDbClient client = registry.client()) {
            PhaseSwitcher switcher = new PhaseSwitcher(new EndpointRegistry(client, registry.table),
                    new SwitchGates(io.cutover.control.GateLimits.DEFAULTS, Clock.systemUTC()),
                    java.time.Duration.ofMillis(Math.max(1, handoverTimeoutMillis)));
            SwitchResult r = switcher.rollback(app, io.cutover.client.Phase.parse(from, "from"), reason, RegistryOptions.operator());
            printer().result(r, SwitchCommand::text);
            return 0;
        }
    }
}
