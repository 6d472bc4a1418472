package io.cutover.core.changelog;

import java.util.Objects;

/**
 * How far capture has read one source partition (a stream shard): the last source position whose
 * change is durable in the log, whether the partition is finished (closed and read to its end), and
 * when capture last read it. Saved in the same transaction as the changes it covers.
 *
 * @param lastPosition null when nothing was read from the partition yet
 * @param readAtMillis when capture last read the partition, even when it found nothing (0: not tracked).
 *                     A source with a retention (DynamoDB Streams: 24 h) compares it with the time
 *                     capture resumes, because a shard restarted from its oldest record cannot itself
 *                     tell that records were trimmed (docs/decisions/0050-stream-replacement-and-outages.md)
 */
public record PartitionPosition(String partition, String lastPosition, boolean finished, long readAtMillis) {
    public PartitionPosition {
        Objects.requireNonNull(partition, "partition");
    }

    /** A position whose read time is not tracked. */
    public PartitionPosition(String partition, String lastPosition, boolean finished) {
        this(partition, lastPosition, finished, 0);
    }
}
