package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An archive in a local folder: files written under {@code .partial}, fsynced and renamed; the manifest replaced atomically. */
public final class FolderArchiveStore implements ArchiveStore {
    private final Path dir;

    public FolderArchiveStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public String describe(String name) {
        return dir.resolve(name).toString();
    }

    @Override
    public void create() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot create --archive " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(dir.resolve(name));
    }

    @Override
    public Optional<byte[]> read(String name) {
        try {
            return Optional.of(Files.readAllBytes(dir.resolve(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void replace(String name, byte[] bytes) {
        try {
            AtomicFile.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot save " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path stage(String name) {
        return dir.resolve(name + ".partial");
    }

    @Override
    public void publish(String name, Path staged) {
        try {
            try (FileChannel ch = FileChannel.open(staged, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(staged, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot finish archive file " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void discard(Path staged) {
        try {
            Files.deleteIfExists(staged);
        } catch (IOException e) {
            // the partial file is overwritten by the next run; nothing names it
        }
    }

    @Override
    public long delete(String name) {
        Path file = dir.resolve(name);
        try {
            long size = Files.size(file);
            Files.delete(file);
            return size;
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot delete " + file + " (the manifest no longer names it, so it is"
                    + " safe to delete by hand): " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            files.forEach(p -> out.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot list --archive " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public Lock lock() {
        return ArchiveLock.acquire(dir);
    }
}
