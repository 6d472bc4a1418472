package io.cutover.core.apply;

import io.cutover.core.deadletter.DeadLetterSink;

/**
 * A {@link ChangeWriter} that writes under the version rule (docs/decisions/0070) and counts what the rule refused: the
 * live apply of a cut-over's replication, into a DynamoDB table or, through the phased client's store, into another
 * store (the reverse direction into MongoDB, decision 0140). Same threading as {@link ChangeWriter}; the counters may be
 * read from any thread.
 */
public interface VersionedWriter extends ChangeWriter, AutoCloseable {
    /** Changes not written because the store held a newer (or the same) version. */
    long olderRefused();

    /** Refused changes that were true conflicts (listed only after {@link #listConflictsIn}). */
    long conflicts();

    /** Changes written. */
    long landed();

    /** Lists every true conflict in {@code sink}; set before the first {@link #apply}. */
    void listConflictsIn(DeadLetterSink sink);

    @Override
    void close();
}
