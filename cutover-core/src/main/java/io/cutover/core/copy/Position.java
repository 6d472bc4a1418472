package io.cutover.core.copy;

/**
 * A typed position inside one unit of bulk work: a scan segment's last evaluated key, a key range's
 * last primary key, a line in an export file. Each connector defines its own record; the core only
 * persists its encoding.
 */
public interface Position {
    /** A stable text form that {@link SnapshotUnit#decode} turns back into an equal position. */
    String encode();
}
