package io.cutover.core.copy;

/**
 * A unit of bulk work whose pages carry items of type {@code T}, which only the matching
 * {@link ItemWriter} understands. {@link SnapshotUnit} is the common case (attribute maps); a
 * connector may read pages in a form its own writer can send without rebuilding each item (the
 * DynamoDB to DynamoDB pass-through, decision 0220).
 *
 * <p>Threading: as {@link SnapshotUnit}: one unit is read by one thread at a time; {@link #readItems} blocks.
 */
public interface ItemUnit<T> {
    /** Unique within the copy; safe as a file name ({@code [A-Za-z0-9._-]+}). */
    String id();

    /** Reads the page that follows {@code after}, or the first page when {@code after} is null. */
    ItemPage<T> readItems(Position after);

    /** Turns {@link Position#encode()} text back into a position of this unit. */
    Position decode(String encoded);
}
