package io.cutover.core.result;

import java.util.List;

/**
 * What a copy would do to one table pair, as {@code --dry-run} prints it; nothing is written.
 *
 * @param targetAction        {@code create}, {@code reuse}, {@code refuse} or {@code skip}
 * @param estimatedItems      the source's item count as the service reports it (may lag by hours)
 * @param writeRateLimit      items per second at most, or 0 for none
 */
public record TablePlan(String sourceTable, String targetTable, String targetAction, String reason, long estimatedItems,
                        long estimatedBytes, int segments, int parallelism, double writeRateLimit, List<String> schema,
                        List<String> warnings) {
    public TablePlan {
        schema = List.copyOf(schema);
        warnings = List.copyOf(warnings);
    }
}
