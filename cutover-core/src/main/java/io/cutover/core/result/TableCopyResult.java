package io.cutover.core.result;

import java.util.List;

/**
 * What a copy did to one table pair; printed by the CLI as text or JSON, and served by the HTTP API.
 *
 * @param schemaAction  {@code created}, {@code reused}, or {@code skipped} (with --data-only)
 * @param items         items acknowledged by the target in this run
 * @param resumedItems  items acknowledged by earlier runs of the same job
 * @param deadLettered  items written to the dead-letter file instead of the target
 * @param segments      scan segments the copy was split into
 * @param warnings      things the user should know, e.g. a setting the endpoint does not support
 */
public record TableCopyResult(String sourceTable, String targetTable, String schemaAction, long items, long resumedItems,
                              long bytes, long deadLettered, int segments, double seconds, long retries, long throttles,
                              boolean complete, List<String> warnings) {
    public TableCopyResult {
        warnings = List.copyOf(warnings);
    }
}
