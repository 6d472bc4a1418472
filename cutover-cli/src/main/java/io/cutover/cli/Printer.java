package io.cutover.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cutover.core.CutoverException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The only place that prints results. Results go to stdout (text or JSON); errors and progress go to
 * stderr, so {@code --output json} output can always be piped to a JSON parser.
 */
public final class Printer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final OutputFormat format;
    private final PrintStream out;
    private final PrintStream err;

    public Printer(OutputFormat format, PrintStream out, PrintStream err) {
        this.format = format;
        this.out = out;
        this.err = err;
    }

    public OutputFormat format() {
        return format;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** Prints a result: as JSON, or with the given text renderer. */
    public <T> void result(T value, java.util.function.Function<T, String> text) {
        if (format == OutputFormat.json) {
            out.println(json(value));
        } else {
            out.print(text.apply(value));
            out.flush();
        }
    }

    /** A one-line message for people, on stderr; silent in JSON mode. */
    public void note(String message) {
        if (format == OutputFormat.text) {
            err.println(message);
        }
    }

    /** Prints a failure; {@code exitCode} is what the process will exit with (a command may have its own contract). */
    public void error(CutoverException e, int exitCode) {
        if (format == OutputFormat.json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "error");
            body.put("code", e.code().name());
            body.put("exitCode", exitCode);
            body.put("message", e.getMessage());
            out.println(json(Map.of("error", body)));
        }
        for (String line : String.valueOf(e.getMessage()).split("\n")) {
            err.println("cutover: error: " + line);
        }
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException("cannot print as JSON: " + e.getMessage(), e);
        }
    }
}
