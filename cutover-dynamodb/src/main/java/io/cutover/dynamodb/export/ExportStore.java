package io.cutover.dynamodb.export;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Where an export's files live: a local folder or an S3 prefix. Keys are relative to the store's root and
 * use {@code /}. Implementations are thread-safe: export files are read and written by several units at
 * once, each with its own stream. Every method blocks; failures are {@link io.cutover.core.CutoverException}s
 * that name the file ({@link #describe}).
 */
public interface ExportStore extends AutoCloseable {
    /** How to name {@code key} in a message: a path, or an {@code s3://} URI. */
    String describe(String key);

    boolean exists(String key);

    /** Opens {@code key} for reading; a missing file is {@code EXPORT_CORRUPT} naming it. */
    InputStream open(String key);

    /** Keys directly or indirectly under {@code prefix} (empty: the whole store), sorted. */
    List<String> list(String prefix);

    /** Creates or replaces {@code key}; the file is complete only once the stream is closed without error. */
    OutputStream create(String key);

    @Override
    void close();
}
