package io.cutover.control;

import io.cutover.client.Phase;
import java.util.List;
import java.util.Locale;

/**
 * The Prometheus text exposition format (version 0.0.4) of every application's migration: counters
 * and gauges named {@code cutover_*} with an {@code app} label. Throttles are not in a live
 * migration's status yet, so no throttle series is served (rather than a made-up zero).
 */
final class PrometheusMetrics {
    private PrometheusMetrics() {
    }

    static String render(List<MigrationView> views) {
        StringBuilder out = new StringBuilder();
        metric(out, views, "cutover_phase", "gauge", "1 for the application's current cut-over phase, 0 for the others", v -> {
            StringBuilder b = new StringBuilder();
            for (Phase p : Phase.values()) {
                b.append("cutover_phase{app=\"").append(esc(v.app())).append("\",phase=\"").append(p.name()).append("\"} ")
                        .append(v.registry().phase() == p ? 1 : 0).append('\n');
            }
            return b.toString();
        });
        metric(out, views, "cutover_registry_version", "gauge", "the registry entry's version", v -> line("cutover_registry_version", v,
                v.registry().version()));
        status(out, views, "cutover_items_copied_total", "counter", "items copied by the backfill", s -> s.backfillItems());
        status(out, views, "cutover_changes_captured_total", "counter", "changes captured into the change log", s -> s.captured());
        status(out, views, "cutover_changes_applied_total", "counter", "changes the target acknowledged", s -> s.applied());
        status(out, views, "cutover_changes_superseded_total", "counter", "changes replaced by a later change of the same key", s -> s.superseded());
        status(out, views, "cutover_dead_letters_total", "counter", "changes written to the dead-letter file", s -> s.deadLettered());
        status(out, views, "cutover_backlog_changes", "gauge", "changes captured but not yet applied", s -> s.backlog());
        status(out, views, "cutover_changes_per_second", "gauge", "changes applied per second", s -> s.changesPerSecond());
        status(out, views, "cutover_lag_p99_seconds", "gauge", "pipeline lag p99, capture to target acknowledgement",
                s -> s.pipelineLagP99Millis() / 1000.0);
        status(out, views, "cutover_lag_max_seconds", "gauge", "pipeline lag max", s -> s.pipelineLagMaxMillis() / 1000.0);
        direction(out, views, "cutover_replication_applied_total", "counter", "changes a direction applied (or refused by the version rule)",
                s -> s.applied());
        direction(out, views, "cutover_replication_refused_total", "counter", "changes the version rule refused: echoes, stale records",
                s -> s.refused());
        direction(out, views, "cutover_replication_conflicts_total", "counter", "true conflicts resolved by the version rule (conflicts.jsonl)",
                s -> s.conflicts());
        direction(out, views, "cutover_replication_backlog_changes", "gauge", "changes a direction captured but has not yet applied",
                s -> s.backlog());
        direction(out, views, "cutover_replication_lag_p99_seconds", "gauge", "a direction's pipeline lag p99, capture to acknowledgement",
                s -> s.pipelineLagP99Millis() / 1000.0);
        direction(out, views, "cutover_replication_fenced", "gauge", "1 while the registry's phase forbids a direction to apply",
                s -> s.fenced() ? 1 : 0);
        metric(out, views, "cutover_verify_differences", "gauge", "missing + extra + different items in the last verify", v -> v.verify() == null ? ""
                : line("cutover_verify_differences", v, v.verify().missing() + v.verify().extra() + v.verify().different()));
        metric(out, views, "cutover_client_journal_pending", "gauge", "writes an application instance's retry journals still owe a site",
                v -> v.clients().stream().map(c -> "cutover_client_journal_pending{app=\"" + esc(v.app()) + "\",instance=\"" + esc(c.instance())
                        + "\"} " + (c.pendingSource() + c.pendingTarget()) + "\n").reduce("", String::concat));
        metric(out, views, "cutover_gates_passing", "gauge", "1 when every switch gate passes now", v -> line("cutover_gates_passing", v,
                v.gatesPass() ? 1 : 0));
        return out.toString();
    }

    private static void status(StringBuilder out, List<MigrationView> views, String name, String type, String help,
                               java.util.function.ToDoubleFunction<io.cutover.core.result.MigrationStatus> value) {
        metric(out, views, name, type, help, v -> v.status() == null ? "" : line(name, v, value.applyAsDouble(v.status())));
    }

    /** One series per direction (label {@code direction}: forward, reverse) for every application with that direction's status. */
    private static void direction(StringBuilder out, List<MigrationView> views, String name, String type, String help,
                                  java.util.function.ToDoubleFunction<io.cutover.core.result.MigrationStatus> value) {
        metric(out, views, name, type, help, v -> directionLine(name, v, "forward", v.status(), value)
                + directionLine(name, v, "reverse", v.reverseStatus(), value));
    }

    private static String directionLine(String name, MigrationView v, String direction, io.cutover.core.result.MigrationStatus s,
                                        java.util.function.ToDoubleFunction<io.cutover.core.result.MigrationStatus> value) {
        return s == null ? "" : line(name + "{app=\"" + esc(v.app()) + "\",direction=\"" + direction + "\"}", value.applyAsDouble(s));
    }

    private static void metric(StringBuilder out, List<MigrationView> views, String name, String type, String help,
                               java.util.function.Function<MigrationView, String> lines) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        views.forEach(v -> out.append(lines.apply(v)));
    }

    private static String line(String name, MigrationView v, double value) {
        return line(name + "{app=\"" + esc(v.app()) + "\"}", value);
    }

    private static String line(String series, double value) {
        String num = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : String.format(Locale.ROOT, "%.6g", value);
        return series + " " + num + "\n";
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
