package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.SecretMask;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cutover} command. Exit codes (docs/exit-codes.md): 0 success, 1 finished but with
 * differences or dead letters, 2 bad usage or configuration, 3 a source or target that cannot be
 * used, 4 a failure while running, 130 interrupted.
 */
@Command(name = "cutover", mixinStandardHelpOptions = true, versionProvider = CutoverCli.Version.class,
        description = "Moves live data into Amazon DynamoDB, and back out again, with zero downtime.",
        subcommands = {CopyCommand.class, ExportCommand.class, MigrateCommand.class, ArchiveCommand.class, RestoreCommand.class, StatusCommand.class, VerifyCommand.class, PlanCommand.class, AbandonCommand.class, DemoCommand.class, BenchCommand.class, LocalCommand.class, ExampleCommand.class, RegistryCommand.class, SwitchCommand.class, RollbackCommand.class, FailbackCommand.class, ServeCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:finished, but with dead letters or differences", "2:bad usage or configuration",
                "3:a source or target that cannot be used (unreachable, credentials, missing table, incompatible target)",
                "4:failed while running (or, for switch and rollback, someone else changed the application first)",
                "5:switch refused by its gates", "130:interrupted"})
public final class CutoverCli implements java.util.concurrent.Callable<Integer> {
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "On an unexpected failure, also print the stack trace (for a bug report).")
    boolean debug;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        System.err.println("\ncutover: error: name a command, for example 'cutover demo'");
        return EXIT_USAGE;
    }

    /**
     * The MySQL binlog client under Debezium logs through java.util.logging, at INFO, to stderr: keep it to warnings, as
     * simplelogger.properties does for everything else. Held here because JUL keeps its loggers only weakly.
     */
    private static final java.util.logging.Logger BINLOG_CLIENT = java.util.logging.Logger.getLogger("com.github.shyiko.mysql.binlog");

    public static void main(String[] args) {
        BINLOG_CLIENT.setLevel(java.util.logging.Level.WARNING);
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
            // picocli quotes the raw arguments (a --source URI with its password, say): mask them
            cmd.getErr().println("cutover: error: " + SecretMask.uris(ex.getMessage()));
            cmd.getErr().println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> reportFailure(ex, cmd.getCommand(), debugRequested(parsed), System.err));
        return cli.execute(args);
    }

    /**
     * Prints a failure as one line (or one JSON object) and returns the exit code. A stack trace is for
     * bugs only (INTERNAL), and only with --debug: a user's mistake never shows one.
     */
    static int reportFailure(Exception ex, Object command, boolean debug, java.io.PrintStream err) {
        CutoverException ce = ex instanceof CutoverException c ? c
                : new CutoverException(ErrorCode.INTERNAL, "unexpected failure: " + SecretMask.uris(String.valueOf(ex))
                        + (debug ? "" : " (run again with --debug for the stack trace, and report it)"), ex);
        Printer printer = command instanceof PrintsResults p ? p.printer() : new Printer(OutputFormat.text, System.out, err);
        int exit = command instanceof PrintsResults p ? p.exitCodeFor(ce) : ce.exitCode();
        printer.error(ce, exit);
        if (debug) {
            ex.printStackTrace(err);
        }
        return exit;
    }

    private static boolean debugRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** A command that prints through a {@link Printer}, so errors follow its --output format. */
    public interface PrintsResults {
        Printer printer();

        /** The exit code for a failure; a command with its own documented contract (verify) overrides it. */
        default int exitCodeFor(CutoverException e) {
            return e.exitCode();
        }
    }

    /** {@code cutover --version}: the version and git commit the build was made from (build.properties, filtered by Maven). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = CutoverCli.class.getResourceAsStream("build.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (java.io.IOException e) {
                // a development build without the file
            }
            return new String[] {describe(p.getProperty("version"), p.getProperty("commit"), p.getProperty("dirty")),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }

        static String describe(String version, String commit, String dirty) {
            String v = known(version) ? version : "development build";
            String c = known(commit) && !commit.equals("unknown") ? "commit " + commit + ("true".equals(dirty) ? " with local changes" : "") : "unknown commit";
            return "cutover " + v + " (" + c + ")";
        }

        private static boolean known(String value) {
            return value != null && !value.isBlank() && !value.startsWith("${");
        }
    }
}
