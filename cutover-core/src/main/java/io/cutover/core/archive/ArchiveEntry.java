package io.cutover.core.archive;

import java.util.Objects;

/**
 * One file of an archive, as the manifest names it.
 *
 * @param name          the file name inside the archive folder
 * @param kind          {@link Kind#SNAPSHOT}: every item of the table; {@link Kind#CHANGES}: a run of the change log
 * @param firstSequence snapshot: the change-log sequence recorded before its scan began (every change up to it is
 *                      reflected in the items); changes: the first log sequence in the file
 * @param lastSequence  snapshot: the same as {@code firstSequence}; changes: the last log sequence in the file
 * @param firstTimeMillis snapshot: when its scan began; changes: the earliest capture time in the file
 * @param lastTimeMillis  snapshot: when its scan ended; changes: the latest capture time in the file
 * @param readAtMillis  when the state this file completes was read: a snapshot's scan end, or when sync read the log;
 *                      the archive can restore to any time from its first snapshot's value to its last file's value
 * @param count         items (snapshot) or changes (changes) in the file
 * @param bytes         the file's size, compressed
 * @param sha256        hex SHA-256 of the file's bytes
 */
public record ArchiveEntry(String name, Kind kind, long firstSequence, long lastSequence, long firstTimeMillis, long lastTimeMillis,
                           long readAtMillis, long count, long bytes, String sha256) {
    /** What a file holds. */
    public enum Kind {
        SNAPSHOT, CHANGES
    }

    public ArchiveEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sha256, "sha256");
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("archive file name must be a plain file name: " + name);
        }
    }
}
