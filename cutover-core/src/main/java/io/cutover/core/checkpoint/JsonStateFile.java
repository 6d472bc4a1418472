package io.cutover.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JSON file in a state directory (a migration's phase, its last status), written atomically
 * through {@link AtomicFile} so that a crash leaves the old or the new version, never half of one.
 */
public final class JsonStateFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(JsonStateFile.class);

    private JsonStateFile() {
    }

    /**
     * The file's value, or empty when there is no file. A file that cannot be read as {@code type} is a
     * STATE_CONFLICT whose message names the file and ends with {@code fix}.
     */
    public static <T> Optional<T> read(Path file, Class<T> type, String fix) {
        try {
            return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), type)) : Optional.empty();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, file + " is damaged (" + e.getMessage() + ")" + fix, e);
        }
    }

    /** Replaces the file with {@code value}; a failure is a STATE_CONFLICT naming the file. */
    public static void write(Path file, Object value) {
        try {
            AtomicFile.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot save " + file + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
        }
    }

    /** Like {@link #write}, for files that only inform (a status page): a failure is logged as a warning, not thrown. */
    public static boolean tryWrite(Path file, Object value) {
        try {
            write(file, value);
            return true;
        } catch (CutoverException e) {
            LOG.warn(e.getMessage());
            return false;
        }
    }
}
