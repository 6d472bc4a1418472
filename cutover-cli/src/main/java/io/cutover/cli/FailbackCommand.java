package io.cutover.cli;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.SwitchGates;
import io.cutover.control.SwitchResult;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code cutover failback}: returns the site of record to the source when the reverse direction's gates pass. */
@Command(name = "failback", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Return the site of record to the source: from DUAL_WRITE_TARGET_READS to DUAL_WRITE (from TARGET_ONLY,",
                "'cutover rollback --from TARGET_ONLY' first). Only when the reverse direction's gates pass: the reverse migration",
                "(--reverse-state-dir) in sync, fresh, with lag and backlog under the limits, drained since the phase took effect,",
                "no dead letters, a clean verify finished after it reached IN_SYNC, and every instance on the current phase owing",
                "nothing. --force overrides them, recorded in the audit log. Then 'cutover rollback --from DUAL_WRITE' leaves the target."},
        footer = {"", "Exit codes: 0 failed back, 2 bad usage, at TARGET_ONLY, or the site of record is already the source,",
                "4 someone else changed the application first or it is no longer at --from, 5 refused by the gates."})
public final class FailbackCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
    String app;

    @Option(names = {"--from", "--expect"}, required = true, paramLabel = "PHASE",
            description = "The phase you saw the application in; refused (exit 4) if it is no longer there.")
    String from;

    @Option(names = "--force", description = "Fail back even if gates fail (recorded as forced, with the gate values).")
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
        Phase expected = Phase.parse(from, "--from");
        try (DynamoDbClient client = registry.client()) {
            PhaseSwitcher switcher = new PhaseSwitcher(new EndpointRegistry(client, registry.table),
                    new SwitchGates(limits.limits(), Clock.systemUTC()), limits.handoverTimeout());
            SwitchResult r = switcher.failback(app, expected, force, reason, RegistryOptions.operator());
            printer().result(r, SwitchCommand::text);
            return 0;
        }
    }
}
