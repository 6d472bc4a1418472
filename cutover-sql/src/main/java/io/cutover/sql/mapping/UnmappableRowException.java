package io.cutover.sql.mapping;

/** One row that the mapping cannot turn into an item (a key column is NULL); the row is dead-lettered with this reason. */
public final class UnmappableRowException extends RuntimeException {
    public UnmappableRowException(String reason) {
        super(reason);
    }
}
