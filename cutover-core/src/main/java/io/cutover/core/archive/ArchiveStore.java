package io.cutover.core.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where an archive's files live: a local folder ({@link FolderArchiveStore}) or an S3 prefix (the DynamoDB module's
 * {@code S3ArchiveStore}). The archive classes write a file locally ({@link #stage}), then {@link #publish} it (a
 * folder: fsync and rename; S3: one PutObject) before the manifest names it, and replace the manifest last
 * ({@link #replace}, whole or not at all on both). Names are plain file names ({@link ArchiveEntry}).
 *
 * <p>Threading: the methods may be called from several threads at once; {@link #lock} is what orders writers of the
 * manifest, across processes.
 */
public interface ArchiveStore extends AutoCloseable {
    /** The archive's location as the user gave it ({@code /data/archive}, {@code s3://bucket/prefix}), for messages. */
    String location();

    /** Where {@code name} lives, for messages. */
    String describe(String name);

    /** Makes the archive's root exist (a folder: creates it; S3: nothing). */
    void create();

    /** The object's bytes as a stream; a missing one throws {@link java.nio.file.NoSuchFileException}. */
    InputStream open(String name) throws IOException;

    /** The whole small object (the manifest), or empty when there is none. */
    Optional<byte[]> read(String name);

    /** Replaces the small object {@code name} whole (a reader sees the old or the new bytes, never a part). */
    void replace(String name, byte[] bytes);

    /** A local file to write {@code name} into before it is {@link #publish}ed. */
    Path stage(String name);

    /** Puts the finished staged file in place under {@code name} (durably), and drops the staged copy. */
    void publish(String name, Path staged);

    /** Drops a staged file that will not be published. */
    void discard(Path staged);

    /** Deletes {@code name}; its size, or -1 when it was already gone. */
    long delete(String name);

    /** Every name at the archive's root. */
    List<String> list();

    /** Takes the archive's writer lock, blocking until it is free ({@link ArchiveLock} for a folder). */
    Lock lock();

    /** A held writer lock; closing releases it. */
    interface Lock extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    default void close() {
    }
}
