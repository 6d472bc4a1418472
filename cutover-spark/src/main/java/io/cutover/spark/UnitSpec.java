package io.cutover.spark;

import java.io.Serializable;

/**
 * What one Spark task is handed: the name of one unit of bulk work (a scan segment of a side, or an export data
 * file by its index in the manifest). The task builds the real {@link io.cutover.core.copy.SnapshotUnit} from it
 * on the executor, with its own clients.
 *
 * @param side     {@code source} or {@code target} (verify reads both; a copy reads the source)
 * @param index    the segment number, or the file's index in the manifest
 * @param of       the segment count, or the number of files
 * @param exportFile true for an export data file
 */
public record UnitSpec(String side, int index, int of, boolean exportFile) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static UnitSpec segment(String side, int segment, int segments) {
        return new UnitSpec(side, segment, segments, false);
    }

    public static UnitSpec file(int index, int files) {
        return new UnitSpec("source", index, files, true);
    }
}
