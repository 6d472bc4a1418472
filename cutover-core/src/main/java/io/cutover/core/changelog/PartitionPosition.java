package io.cutover.core.changelog;

import java.util.Objects;

/**
 * How far capture has read one source partition (a stream shard): the last source position whose
 * change is durable in the log, and whether the partition is finished (closed and read to its end).
 * Saved in the same transaction as the changes it covers.
 *
 * @param lastPosition null when nothing was read from the partition yet
 */
public record PartitionPosition(String partition, String lastPosition, boolean finished) {
    public PartitionPosition {
        Objects.requireNonNull(partition, "partition");
    }
}
