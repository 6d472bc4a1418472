package io.cutover.spark;

import java.io.Serializable;

/**
 * What one task did to its unit, sent back to the driver and summed into the same {@code TableCopyResult} the
 * CLI prints.
 *
 * @param resumedItems items its checkpoint already held when the task started (an earlier attempt or submission)
 * @param complete     false only when the unit stopped before its end
 */
public record UnitOutcome(String unitId, long items, long bytes, long deadLettered, long resumedItems, boolean complete, long retries,
                          long throttles, double seconds) implements Serializable {
    private static final long serialVersionUID = 1L;
}
