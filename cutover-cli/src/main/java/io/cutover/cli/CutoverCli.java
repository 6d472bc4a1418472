package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cutover} command. Exit codes (docs/exit-codes.md): 0 success, 1 finished but with
 * differences or dead letters, 2 bad usage or configuration, 3 a source or target that cannot be
 * used, 4 a failure while running, 130 interrupted.
 */
@Command(name = "cutover", mixinStandardHelpOptions = true, versionProvider = CutoverCli.Version.class,
        description = "Moves live data into Amazon DynamoDB, and back out again, with zero downtime.",
        subcommands = {CopyCommand.class, MigrateCommand.class, ArchiveCommand.class, RestoreCommand.class, StatusCommand.class, VerifyCommand.class, PlanCommand.class, AbandonCommand.class, DemoCommand.class, BenchCommand.class, LocalCommand.class, ExampleCommand.class, RegistryCommand.class, SwitchCommand.class, RollbackCommand.class, ServeCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:finished, but with dead letters or differences", "2:bad usage or configuration",
                "3:a source or target that cannot be used (unreachable, credentials, missing table, incompatible target)",
                "4:failed while running (or, for switch and rollback, someone else changed the application first)",
                "5:switch refused by its gates", "130:interrupted"})
public final class CutoverCli implements java.util.concurrent.Callable<Integer> {
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        System.err.println("\ncutover: error: name a command, for example 'cutover demo'");
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this without exiting). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new CutoverCli());
        java.nio.file.Path config = ConfigFile.find(args);
        if (config != null && args.length > 0 && cli.getSubcommands().containsKey(args[0])) {
            CommandLine sub = cli.getSubcommands().get(args[0]);
            try {
                sub.setDefaultValueProvider(ConfigFile.load(config, sub.getCommandSpec()));
            } catch (CutoverException e) {
                for (String line : e.getMessage().split("\n")) {
                    System.err.println("cutover: error: " + line);
                }
                return e.exitCode();
            }
        }
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("cutover: error: " + ex.getMessage());
            cmd.getErr().println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            CutoverException ce = ex instanceof CutoverException c ? c
                    : new CutoverException(ErrorCode.INTERNAL, "unexpected failure: " + ex, ex);
            Object user = cmd.getCommand();
            Printer printer = user instanceof PrintsResults p ? p.printer() : new Printer(OutputFormat.text, System.out, System.err);
            int exit = user instanceof PrintsResults p ? p.exitCodeFor(ce) : ce.exitCode();
            printer.error(ce, exit);
            if (ce.code() == ErrorCode.INTERNAL) {
                ex.printStackTrace(System.err);
            }
            return exit;
        });
        return cli.execute(args);
    }

    /** A command that prints through a {@link Printer}, so errors follow its --output format. */
    public interface PrintsResults {
        Printer printer();

        /** The exit code for a failure; a command with its own documented contract (verify) overrides it. */
        default int exitCodeFor(CutoverException e) {
            return e.exitCode();
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CutoverCli.class.getPackage().getImplementationVersion();
            return new String[] {"cutover " + (v == null ? "development build" : v)};
        }
    }
}
