package io.cutover.cli;

import io.cutover.client.AuditRecord;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code cutover registry}: register an application, show its entry, its history, or every application. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "The endpoint registry: which phase and which active site each application has.",
        subcommands = {RegistryCommand.Register.class, RegistryCommand.Show.class, RegistryCommand.History.class, RegistryCommand.ListApps.class,
                RegistryCommand.ForgetInstance.class})
public final class RegistryCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return CutoverCli.EXIT_USAGE;
    }

    abstract static class Base implements Callable<Integer>, CutoverCli.PrintsResults {
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
                return run(new EndpointRegistry(client, registry.table));
            }
        }

        abstract int run(EndpointRegistry registry);
    }

    @Command(name = "register", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Register an application at SOURCE_ONLY (creates the registry table if needed).",
                    "Give the migration's --state-dir and verify's --verify-state-dir so that switches can check their gates."})
    static final class Register extends Base {
        @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
        String app;

        @Option(names = "--source-table", required = true, paramLabel = "NAME", description = "The source table the application uses today.")
        String sourceTable;

        @Option(names = "--target-table", required = true, paramLabel = "NAME", description = "The target table it moves to.")
        String targetTable;

        @Option(names = "--source-endpoint-url", paramLabel = "URL", description = "Source endpoint, as applications should reach it.")
        String sourceEndpointUrl;

        @Option(names = "--target-endpoint-url", paramLabel = "URL", description = "Target endpoint, as applications should reach it.")
        String targetEndpointUrl;

        @Option(names = "--source-region", paramLabel = "REGION", description = "Source region.")
        String sourceRegion;

        @Option(names = "--target-region", paramLabel = "REGION", description = "Target region.")
        String targetRegion;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "The migration's state directory (its lag and dead letters gate the switches).")
        Path stateDir;

        @Option(names = "--verify-state-dir", paramLabel = "DIR", description = "Where cutover verify keeps its last result (a clean one gates the switches).")
        Path verifyStateDir;

        @Option(names = "--reverse-state-dir", paramLabel = "DIR", description = "The reverse migration's state directory (the"
                + " target's stream applied to the source): the handover to DUAL_WRITE_TARGET_READS and 'cutover failback' check it.")
        Path reverseStateDir;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Kept in the audit log.")
        String reason;

        @Override
        int run(EndpointRegistry r) {
            r.ensureTable();
            RegistryEntry e = r.register(app, new StoreEndpoint(sourceTable, sourceEndpointUrl, sourceRegion),
                    new StoreEndpoint(targetTable, targetEndpointUrl, targetRegion), abs(stateDir), abs(verifyStateDir),
                    abs(reverseStateDir), RegistryOptions.operator(), reason);
            printer().result(e, RegistryCommand::text);
            return 0;
        }

        private static String abs(Path p) {
            return p == null ? null : p.toAbsolutePath().normalize().toString();
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an application's registry entry.")
    static final class Show extends Base {
        @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
        String app;

        @Override
        int run(EndpointRegistry r) {
            printer().result(r.require(app), RegistryCommand::text);
            return 0;
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Show every change of an application: who, when, from, to, gate values, forced.")
    static final class History extends Base {
        @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
        String app;

        @Override
        int run(EndpointRegistry r) {
            r.require(app);
            printer().result(r.history(app), RegistryCommand::historyText);
            return 0;
        }
    }

    @Command(name = "forget-instance", mixinStandardHelpOptions = true,
            description = {"Remove an application instance's report: for an instance that is gone for good while its last report still"
                    + " shows writes it owed (the clients gate waits for it otherwise). Recorded in the audit log, with what it owed."},
            footer = {"", "Exit codes: 0 removed, 2 no such instance, 4 the application changed since --expect-version."})
    static final class ForgetInstance extends Base {
        @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id.")
        String app;

        @Option(names = "--instance", required = true, paramLabel = "NAME", description = "The instance, as the clients gate names it.")
        String instance;

        @Option(names = "--expect-version", required = true, paramLabel = "N",
                description = "The registry version you looked at ('cutover registry show'); refused if it changed since.")
        long version;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is gone; kept in the audit log.")
        String reason;

        @Override
        int run(EndpointRegistry r) {
            RegistryEntry after = r.forgetInstance(app, version, instance, RegistryOptions.operator(), reason);
            printer().result(after, RegistryCommand::text);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every registered application.")
    static final class ListApps extends Base {
        @Override
        int run(EndpointRegistry r) {
            printer().result(r.list(), list -> {
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-24s %-24s %-7s %8s  %s%n", "APP", "PHASE", "ACTIVE", "VERSION",
                        "UPDATED"));
                list.forEach(e -> b.append(String.format(Locale.ROOT, "%-24s %-24s %-7s %8d  %s by %s%n", e.app(), e.phase(), e.activeSite(),
                        e.version(), e.updatedAt(), e.updatedBy())));
                return b.toString();
            });
            return 0;
        }
    }

    static String text(RegistryEntry e) {
        return String.format(Locale.ROOT, "%s: %s (active site %s), version %d%n  source  %s%n  target  %s%n  updated %s by %s%s%n"
                        + "  migration state dir: %s%n  verify state dir:    %s%n  reverse state dir:   %s%n",
                e.app(), e.phase(), e.activeSite(), e.version(), e.source().describe(), e.target().describe(), e.updatedAt(), e.updatedBy(),
                e.reason() == null ? "" : " (" + e.reason() + ")", e.stateDir() == null ? "none" : e.stateDir(),
                e.verifyStateDir() == null ? "none" : e.verifyStateDir(), e.reverseStateDir() == null ? "none" : e.reverseStateDir());
    }

    static String historyText(List<AuditRecord> records) {
        StringBuilder b = new StringBuilder();
        for (AuditRecord a : records) {
            b.append(String.format(Locale.ROOT, "v%-4d %s  %-8s %s -> %s  by %s%s%s%n", a.version(), a.at(), a.action(),
                    a.from() == null ? "-" : a.from(), a.to(), a.by(), a.forced() ? "  FORCED" : "",
                    a.reason() == null ? "" : "  \"" + a.reason() + "\""));
            a.gates().forEach((k, v) -> b.append(String.format(Locale.ROOT, "        gate %-13s %s%n", k, v)));
            a.warnings().forEach(w -> b.append("        warning: ").append(w).append('\n'));
        }
        return b.toString();
    }
}
