package io.cutover.cli;

import io.cutover.core.result.CopyPlan;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.TableCopyResult;
import io.cutover.core.result.TablePlan;
import java.util.Locale;

/** Text renderings of result records; JSON renderings come from the records themselves. */
final class TextReports {
    private TextReports() {
    }

    static String plan(CopyPlan plan) {
        StringBuilder b = new StringBuilder();
        b.append("Plan (dry run: nothing is changed)").append(plan.resumes() ? ", resuming the copy in " : ", state in ")
                .append(plan.stateDir()).append('\n');
        for (TablePlan t : plan.tables()) {
            b.append(String.format(Locale.ROOT, "%n  %s -> %s: %s target (%s)%n", t.sourceTable(), t.targetTable(),
                    t.targetAction(), t.reason()));
            b.append(String.format(Locale.ROOT, "    about %,d items, %s; %d segments, %d at once; write limit %s%n",
                    t.estimatedItems(), bytes(t.estimatedBytes()), t.segments(), t.parallelism(),
                    t.writeRateLimit() > 0 ? String.format(Locale.ROOT, "%,.0f items/s", t.writeRateLimit()) : "none (adapts when throttled)"));
            for (String s : t.schema()) {
                b.append("    ").append(s).append('\n');
            }
            for (String w : t.warnings()) {
                b.append("    warning: ").append(w).append('\n');
            }
        }
        b.append('\n').append(plan.ok() ? "Plan OK: run without --dry-run to copy.\n" : "Plan refused: see the reasons above.\n");
        return b.toString();
    }

    static String copy(CopyResult r) {
        StringBuilder b = new StringBuilder();
        b.append(switch (r.status()) {
            case "completed" -> "Copy complete";
            case "completed_with_dead_letters" -> "Copy complete, but " + (r.deadLettered() + r.deadLetteredEarlier())
                    + " items could not be written" + (r.deadLetteredEarlier() > 0 ? " (" + r.deadLetteredEarlier() + " by earlier runs)" : "")
                    + "; see " + r.deadLetterFile();
            default -> "Copy stopped; run the same command again to resume";
        }).append('\n');
        for (TableCopyResult t : r.tables()) {
            b.append(String.format(Locale.ROOT, "  %s -> %s: schema %s, %,d items (%,d resumed), %s, %d segments, %.1f s, %d retries, %d throttles%s%n",
                    t.sourceTable(), t.targetTable(), t.schemaAction(), t.items(), t.resumedItems(), bytes(t.bytes()), t.segments(),
                    t.seconds(), t.retries(), t.throttles(), t.deadLettered() > 0 ? ", " + t.deadLettered() + " dead-lettered" : ""));
            for (String w : t.warnings()) {
                b.append("    warning: ").append(w).append('\n');
            }
        }
        b.append(String.format(Locale.ROOT, "Total: %,d items, %s in %.1f s (%,.0f items/s); state in %s%n", r.items(),
                bytes(r.bytes()), r.seconds(), r.itemsPerSecond(), r.stateDir()));
        return b.toString();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
