package io.cutover.cli;

import picocli.CommandLine.Option;

/** {@code --output} and {@code --no-progress}, shared by every command that prints a result. */
public final class OutputOptions {
    @Option(names = "--output", paramLabel = "text|json", defaultValue = "text", description = "Result format (default: ${DEFAULT-VALUE}).")
    OutputFormat format = OutputFormat.text;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    private Printer printer;

    /** The printer for this run's format, results on stdout and everything else on stderr. */
    Printer printer() {
        if (printer == null) {
            printer = new Printer(format == null ? OutputFormat.text : format, System.out, System.err);
        }
        return printer;
    }

    /** Whether to draw progress (always on stderr, so JSON on stdout stays clean). */
    boolean progress() {
        return !noProgress;
    }
}
