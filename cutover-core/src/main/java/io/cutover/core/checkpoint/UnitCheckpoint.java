package io.cutover.core.checkpoint;

import java.util.Objects;

/**
 * Where one unit of bulk work (a scan segment, a key range, an export file) stands. Saved only
 * after the target acknowledged every item before {@code position}.
 *
 * @param unitId   the unit, unique within its scope (for example {@code segment-0007-of-0016})
 * @param position the connector's typed position, encoded; null before the first page
 * @param complete true once every item of the unit was acknowledged
 * @param items    items acknowledged so far in this unit
 * @param bytes    bytes acknowledged so far in this unit
 */
public record UnitCheckpoint(String unitId, String position, boolean complete, long items, long bytes) {
    public UnitCheckpoint {
        Objects.requireNonNull(unitId, "unitId");
        if (items < 0 || bytes < 0) {
            throw new IllegalArgumentException("counts cannot be negative");
        }
    }

    public static UnitCheckpoint start(String unitId) {
        return new UnitCheckpoint(unitId, null, false, 0, 0);
    }
}
