package io.cutover.cli;

/** How a command prints its result: text for people, JSON for scripts. */
public enum OutputFormat {
    text, json
}
