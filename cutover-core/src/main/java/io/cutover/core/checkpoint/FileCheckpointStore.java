package io.cutover.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checkpoints as one small JSON file per unit under {@code <root>/<scope>/}. A save writes a
 * temporary file, forces it to disk, and renames it over the old one, so a {@code kill -9} at any
 * moment leaves either the old or the new checkpoint, never a torn one
 * (docs/decisions/0003-checkpoint-files.md). One file per unit means workers never contend.
 */
public final class FileCheckpointStore implements CheckpointStore {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]+");
    private final Path root;

    public FileCheckpointStore(Path root) {
        this.root = root;
    }

    @Override
    public Optional<UnitCheckpoint> load(String scope, String unitId) {
        Path file = file(scope, unitId);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(read(file));
    }

    @Override
    public Map<String, UnitCheckpoint> loadAll(String scope) {
        Map<String, UnitCheckpoint> all = new TreeMap<>();
        Path dir = root.resolve(safe(scope));
        if (!Files.isDirectory(dir)) {
            return all;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                UnitCheckpoint cp = read(f);
                all.put(cp.unitId(), cp);
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read checkpoints in " + dir + ": " + e.getMessage(), e);
        }
        return all;
    }

    @Override
    public void save(String scope, UnitCheckpoint checkpoint) {
        Path file = file(scope, checkpoint.unitId());
        try {
            AtomicFile.write(file, MAPPER.writeValueAsBytes(checkpoint));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT,
                    "cannot save a checkpoint in " + file.getParent() + ": " + e.getMessage() + " (is --state-dir writable?)", e);
        }
    }

    @Override
    public void clear(String scope) {
        Path dir = root.resolve(safe(scope));
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot clear checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    private Path file(String scope, String unitId) {
        return root.resolve(safe(scope)).resolve(safe(unitId) + ".json");
    }

    static String safe(String name) {
        if (!SAFE.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a safe checkpoint name: " + name);
        }
        return name;
    }

    private static UnitCheckpoint read(Path file) {
        try {
            return MAPPER.readValue(file.toFile(), UnitCheckpoint.class);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT,
                    "checkpoint " + file + " is damaged (" + e.getMessage() + "): run again with --restart", e);
        }
    }
}
