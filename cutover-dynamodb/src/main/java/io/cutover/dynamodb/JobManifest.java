package io.cutover.dynamodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.cutover.core.checkpoint.AtomicFile;
import java.util.List;
import java.util.Optional;

/**
 * What a state directory holds a copy of: the table pairs and each one's segment count. A resumed
 * run must use the same segmentation, since checkpoints are per segment; a run with other tables is
 * refused rather than mixed in.
 */
public record JobManifest(String kind, List<Entry> tables) {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String FILE = "job.json";

    public record Entry(String source, String target, int segments) {
    }

    public JobManifest {
        tables = List.copyOf(tables);
    }

    public Optional<Entry> entry(TablePair pair) {
        return tables.stream().filter(e -> e.source().equals(pair.source()) && e.target().equals(pair.target())).findFirst();
    }

    public static Optional<JobManifest> load(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(MAPPER.readValue(file.toFile(), JobManifest.class));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, file + " is damaged (" + e.getMessage()
                    + "): run again with --restart, or use another --state-dir", e);
        }
    }

    public void save(Path stateDir) {
        try {
            AtomicFile.write(stateDir.resolve(FILE), MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot write " + stateDir.resolve(FILE) + ": " + e.getMessage()
                    + " (is --state-dir writable?)", e);
        }
    }
}
