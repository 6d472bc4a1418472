package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/** The in-memory twin of the export stores, for tests: files are byte arrays, put when their stream closes. Thread-safe. */
public final class InMemoryExportStore implements ExportStore {
    private final ConcurrentSkipListMap<String, byte[]> files = new ConcurrentSkipListMap<>();

    public byte[] get(String key) {
        return files.get(key);
    }

    public void put(String key, byte[] content) {
        files.put(key, content.clone());
    }

    @Override
    public String describe(String key) {
        return "memory:/" + key;
    }

    @Override
    public boolean exists(String key) {
        return files.containsKey(key);
    }

    @Override
    public InputStream open(String key) {
        byte[] b = files.get(key);
        if (b == null) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export file " + describe(key) + " is missing");
        }
        return new ByteArrayInputStream(b);
    }

    @Override
    public List<String> list(String prefix) {
        String p = prefix.isEmpty() ? "" : prefix + "/";
        return files.keySet().stream().filter(k -> k.startsWith(p)).toList();
    }

    @Override
    public OutputStream create(String key) {
        return new ByteArrayOutputStream() {
            @Override
            public void close() {
                files.put(key, toByteArray());
            }
        };
    }

    @Override
    public void close() {
    }
}
