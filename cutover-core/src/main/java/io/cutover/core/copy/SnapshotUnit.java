package io.cutover.core.copy;

/**
 * One independently runnable unit of bulk work: a scan segment, a key range, an export file. It can
 * run alone with its own checkpoint, which is what lets the Spark runner hand one to each task.
 *
 * <p>Threading: one unit is read by one thread at a time; different units run in parallel, so an
 * implementation must not share mutable state between units. {@link #readPage} blocks.
 */
public interface SnapshotUnit {
    /** Unique within the copy; safe as a file name ({@code [A-Za-z0-9._-]+}). */
    String id();

    /** Reads the page that follows {@code after}, or the first page when {@code after} is null. */
    Page readPage(Position after);

    /** Turns {@link Position#encode()} text back into a position of this unit. */
    Position decode(String encoded);
}
