package io.cutover.sql.capture;

import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.apache.kafka.connect.util.Callback;

/**
 * Debezium's offset store, backed by Cutover's change log (docs/decisions/0021-debezium-offsets-in-the-change-log.md).
 * The offset of the last change of a batch is written by {@link DebeziumCapture} in the same SQLite
 * transaction as the changes; this store only reads it back when the engine starts, and ignores the
 * engine's own flushes (they would record an offset apart from its changes).
 *
 * <p>Debezium instantiates the class by name; it finds its change log through {@link #register} and the
 * {@value #LOG_ID} property.
 */
public final class ChangeLogOffsetStore extends MemoryOffsetBackingStore {
    public static final String LOG_ID = "offset.storage.cutover.log";
    /** The change log partition that holds Debezium's offset. */
    public static final String PARTITION = "debezium";
    private static final Map<String, ChangeLog> LOGS = new ConcurrentHashMap<>();

    private String logId;

    public static void register(String id, ChangeLog log) {
        LOGS.put(id, log);
    }

    public static void unregister(String id) {
        LOGS.remove(id);
    }

    /** The text kept in the change log for one offset: the key JSON, a newline, the value JSON (as Debezium serialises them). */
    public static String encode(byte[] key, byte[] value) {
        return new String(key, StandardCharsets.UTF_8) + "\n" + new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Object id = config.originals().get(LOG_ID);
        if (id == null) {
            throw new IllegalStateException(LOG_ID + " is not set");
        }
        this.logId = id.toString();
    }

    @Override
    public synchronized void start() {
        super.start();
        ChangeLog log = LOGS.get(logId);
        if (log == null) {
            throw new IllegalStateException("no change log registered as " + logId);
        }
        PartitionPosition p = log.positions().get(PARTITION);
        if (p != null && p.lastPosition() != null) {
            int nl = p.lastPosition().indexOf('\n');
            data.put(ByteBuffer.wrap(p.lastPosition().substring(0, nl).getBytes(StandardCharsets.UTF_8)),
                    ByteBuffer.wrap(p.lastPosition().substring(nl + 1).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        // Already durable: every offset the engine commits was written with its changes.
        synchronized (this) {
            data.putAll(values);
        }
        if (callback != null) {
            callback.onCompletion(null, null);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    protected void save() {
        // nothing: see the class comment
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return new HashSet<>(new HashMap<String, Map<String, Object>>().values());
    }
}
