package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A job's state directory, held with an exclusive lock for as long as the job runs, so two processes
 * can never write the same checkpoints. The OS releases the lock when the process dies, even by
 * {@code kill -9}.
 */
public final class StateDirectory implements AutoCloseable {
    private final Path root;
    private final FileChannel channel;
    private final FileLock lock;

    private StateDirectory(Path root, FileChannel channel, FileLock lock) {
        this.root = root;
        this.channel = channel;
        this.lock = lock;
    }

    public static StateDirectory open(Path root) {
        try {
            Files.createDirectories(root);
            FileChannel ch = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "another cutover process is using --state-dir " + root
                        + ": wait for it to finish, or use another --state-dir");
            }
            return new StateDirectory(root, ch, lock);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot use --state-dir " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /**
     * Removes everything in the directory but its own lock file, which this process holds: a fresh start
     * for --restart. Nested jobs' lock files (PREPARE's schema copy leaves {@code schema/lock}) go with
     * their folders; keeping them left those folders non-empty and undeletable.
     */
    public void clear() {
        Path ownLock = root.resolve("lock");
        try (var files = Files.walk(root)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!f.equals(root) && !f.equals(ownLock)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot clear --state-dir " + root + ": " + e.getMessage(), e);
        }
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    public Path deadLetters() {
        return root.resolve("dead-letters.jsonl");
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The OS drops the lock with the process anyway.
        }
    }
}
