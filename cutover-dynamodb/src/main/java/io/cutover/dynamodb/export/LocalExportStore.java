package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * An export in a local folder. A file being written goes to {@code NAME.part} and is renamed when its
 * stream closes, so a crash never leaves a complete-looking partial file.
 */
public final class LocalExportStore implements ExportStore {
    private final Path root;

    public LocalExportStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export file key '" + key + "' points outside " + root);
        }
        return p;
    }

    @Override
    public String describe(String key) {
        return key.isEmpty() ? root.toString() : path(key).toString();
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public InputStream open(String key) {
        try {
            return Files.newInputStream(path(key));
        } catch (NoSuchFileException e) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export file " + describe(key) + " is missing");
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "cannot read export file " + describe(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        Path dir = prefix.isEmpty() ? root : path(prefix);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public OutputStream create(String key) {
        Path target = path(key);
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            Files.createDirectories(target.getParent());
            OutputStream out = Files.newOutputStream(part);
            return new java.io.FilterOutputStream(out) {
                private boolean closed;

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    super.close();
                    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            };
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write " + target + ": " + e.getMessage()
                    + " (is the export folder writable?)", e);
        }
    }

    @Override
    public void close() {
    }
}
