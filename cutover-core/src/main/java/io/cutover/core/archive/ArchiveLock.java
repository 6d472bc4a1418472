package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The archive folder's lock ({@code .lock}, an OS file lock, and a lock per folder for the threads of one JVM, which
 * the OS lock does not separate): whoever changes {@code manifest.json} holds it from reading the manifest to replacing
 * it, so that a sync and a snapshot finishing at the same moment cannot drop each other's entry. A sync holds it while it
 * runs (with its pruning and merging); a snapshot only while it adds its entry, not during its long read. Restores only
 * read and take no lock. {@link #acquire} blocks until the lock is free.
 */
final class ArchiveLock implements ArchiveStore.Lock {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private ArchiveLock(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    static ArchiveLock acquire(Path archive) {
        ReentrantLock local = IN_JVM.computeIfAbsent(archive.toAbsolutePath().normalize(), p -> new ReentrantLock());
        local.lock();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(archive.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new ArchiveLock(local, channel, channel.lock());
        } catch (IOException | RuntimeException e) {
            local.unlock();
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the lock was not taken; nothing else to release
                }
            }
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot lock --archive " + archive + " (" + e.getMessage()
                    + "): is the folder writable?", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the OS lock in any case
        } finally {
            local.unlock();
        }
    }
}
