package io.cutover.sql.capture;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.UnmappableRowException;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.debezium.embedded.Connect;
import io.cutover.core.retry.RetryPolicy;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Change capture from PostgreSQL (pgoutput, through an existing replication slot and publication) or
 * MySQL/MariaDB (binlog) with Debezium's embedded engine, into Cutover's change log. Debezium takes no
 * snapshot ({@code snapshot.mode=no_data}): Cutover's own parallel backfill copies the rows, and the
 * whole log is replayed after the copy (docs/decisions/0011-apply-in-chunks.md).
 *
 * <p>Each batch is mapped to item changes and appended to the change log together with the offset of its
 * last event, in one transaction; only then are the events marked processed, so the engine (and the
 * PostgreSQL slot's confirmed position) never moves past a change that is not durable
 * (docs/decisions/0021-debezium-offsets-in-the-change-log.md). An UPDATE that changes the item's key is a
 * DELETE of the old key followed by a PUT of the new one.
 */
public final class DebeziumCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumCapture.class);
    /** The header Debezium puts on the DELETE of a primary-key change (the CREATE carries "__debezium.oldkey"). */
    static final String NEW_KEY_HEADER = "__debezium.newkey";
    static final String OLD_SUFFIX = ":old";

    private final SqlTable table;
    private final RowMapper mapper;
    private final ChangeLog log;
    private final DeadLetterSink deadLetters;
    private final Properties props;
    private final String slot;
    private final String engineName;
    private final JsonConverter keyConverter = new JsonConverter();
    private final JsonConverter valueConverter = new JsonConverter();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cutover-debezium");
        t.setDaemon(true);
        return t;
    });
    /** How long an engine that keeps failing is started again before capture gives up. */
    static final java.time.Duration RESTART_BUDGET = java.time.Duration.ofMinutes(10);
    private final RetryPolicy restarts = RetryPolicy.forDuration(RESTART_BUDGET, java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(15));
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile CutoverException failure;
    private volatile boolean running;
    private volatile boolean closing;
    private volatile Map<String, ?> durable;
    private volatile Runnable beforeBatch = () -> { };
    private volatile boolean refuseSchemaChanges;
    private volatile CutoverException schemaChange;

    /**
     * @param slot       PostgreSQL: the replication slot (and, with "_pub", the publication) Cutover created; MySQL: unused
     * @param serverId   MySQL/MariaDB: the replica server id Debezium uses
     * @param stateDir   where MySQL's schema history file is kept
     */
    public DebeziumCapture(SqlTable table, RowMapper mapper, ChangeLog log, DeadLetterSink deadLetters, String slot, String publication,
                           long serverId, Path stateDir) {
        this.table = table;
        this.mapper = mapper;
        this.log = log;
        this.deadLetters = deadLetters;
        this.slot = slot;
        this.engineName = "cutover-" + slot;
        this.props = properties(table, slot, publication, serverId, stateDir, engineName);
        keyConverter.configure(Map.of("schemas.enable", "false"), true);
        valueConverter.configure(Map.of("schemas.enable", "false"), false);
    }

    static Properties properties(SqlTable table, String slot, String publication, long serverId, Path stateDir, String engineName) {
        SqlEndpoint e = table.endpoint();
        Properties p = new Properties();
        p.setProperty("name", engineName);
        p.setProperty("topic.prefix", "cutover");
        p.setProperty("offset.storage", ChangeLogOffsetStore.class.getName());
        p.setProperty(ChangeLogOffsetStore.LOG_ID, engineName + "@" + stateDir.toAbsolutePath());
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("database.hostname", e.host());
        p.setProperty("database.port", Integer.toString(e.port()));
        p.setProperty("database.user", e.user());
        p.setProperty("database.password", e.password());
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("table.include.list", table.qualifiedName().replace(".", "\\."));
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("tombstones.on.delete", "false");
        // Nothing skipped silently: a TRUNCATE reaches Cutover, which dead-letters it with the reason.
        p.setProperty("skipped.operations", "none");
        p.setProperty("heartbeat.interval.ms", "1000");
        p.setProperty("errors.max.retries", "-1");
        // After a dropped connection the task comes back in 2 s, not Debezium's 10: a restart needs a dozen round trips
        // (the type registry, the slot, the stream), and on a network that keeps dropping some of them fail too; at 10 s a
        // try, a few failed tries in a row used up the drained fence's two minutes (a CI run of PostgresMigrationFaultIT).
        p.setProperty("retriable.restart.connector.wait.ms", "2000");
        p.setProperty("max.batch.size", "2048");
        p.setProperty("poll.interval.ms", "50");
        if (e.flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("database.dbname", e.database());
            p.setProperty("slot.name", slot);
            p.setProperty("publication.name", publication);
            p.setProperty("publication.autocreate.mode", "disabled");
            p.setProperty("slot.drop.on.stop", "false");
            p.setProperty("slot.retry.delay.ms", "2000"); // starting the stream again after a reset: see the restart wait above
            p.setProperty("include.unknown.datatypes", "true");
            p.setProperty("database.sslmode", e.debeziumSslMode());
            p.setProperty("database.sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
        } else {
            p.setProperty("connector.class", e.flavor() == SqlEndpoint.Flavor.MARIADB
                    ? "io.debezium.connector.mariadb.MariaDbConnector" : "io.debezium.connector.mysql.MySqlConnector");
            p.setProperty("database.server.id", Long.toString(serverId));
            p.setProperty("database.include.list", table.schemaName());
            p.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
            p.setProperty("schema.history.internal.file.filename", stateDir.resolve("schema-history.dat").toAbsolutePath().toString());
            p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
            p.setProperty("include.schema.changes", "false");
            p.setProperty("database.ssl.mode", e.debeziumSslMode());
            p.setProperty("connect.timeout.ms", "10000");
            // The server sends a heartbeat event every 0.8 x this interval when the binlog is idle; only an event carries
            // the offset past the last transaction, so the finish (SourceFence) waits up to that long. The default
            // (60 s) made it wait 48 s on an idle server.
            p.setProperty("connect.keep.alive.interval.ms", "5000");
            // BIGINT UNSIGNED of 2^63 and more as an exact number, as the backfill reads it (the default, "long", wraps it negative).
            p.setProperty("bigint.unsigned.handling.mode", "precise");
            // No snapshot is taken (no_data), so no lock either: "minimal" would still take FLUSH TABLES WITH READ LOCK
            // (which needs RELOAD and stalls every writer on the primary) to read the schema.
            p.setProperty("snapshot.locking.mode", "none");
        }
        return p;
    }

    /**
     * Stops capture, without retrying, at the first change event whose columns are not the table's columns read at the
     * start (a column added, dropped or renamed): a SQL-to-SQL replicator writes every column into the other engine's
     * table, which did not change with it (docs/decisions/0200). Without it a new column is left out of the items. Set
     * before {@link #start}.
     */
    public void refuseSchemaChanges(boolean refuse) {
        this.refuseSchemaChanges = refuse;
    }

    /** The schema change {@link #refuseSchemaChanges} stopped on, or null. */
    public CutoverException schemaChange() {
        return schemaChange;
    }

    /** Run on the capture thread before each batch is made durable (fault injection in tests); set before {@link #start}. */
    public void beforeBatch(Runnable hook) {
        this.beforeBatch = hook;
    }

    /**
     * Starts the engine on its own thread; returns at once. An engine that stops with an error (a reset connection, a
     * failover, a server that answers slowly at start) is started again from the offset kept in the change log, through
     * {@link RetryPolicy} with a time budget ({@link #RESTART_BUDGET}); a run that captured events starts the budget anew.
     * A refused login is not retried. Only when the budget is spent does {@link #failure()} report it.
     */
    public void start() {
        ChangeLogOffsetStore.register(props.getProperty(ChangeLogOffsetStore.LOG_ID), log);
        thread.submit(() -> {
            try {
                restarts.execute("change capture from " + table.endpoint().describe(), attempt -> {
                    if (attempt.number() > 1 && table.endpoint().flavor() == io.cutover.sql.source.SqlEndpoint.Flavor.POSTGRESQL) {
                        // Debezium would make a new slot if the old one is gone (a failover), skipping every change in between.
                        ReplicationSlots.requireSlot(table, slot);
                    }
                    long before = events.get();
                    CutoverException stopped = runEngineOnce();
                    if (events.get() > before) {
                        attempt.progressed();
                    }
                    if (stopped != null && !closing) {
                        LOG.warn("{}; starting it again from the last saved position", stopped.getMessage());
                        throw stopped;
                    }
                    return null;
                }, e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, String.valueOf(e), e),
                        io.cutover.core.retry.RetryListener.NONE);
            } catch (CutoverException e) {
                if (!closing) {
                    failure = e;
                    LOG.error("{}", e.getMessage());
                }
            }
        });
    }

    /** Runs one engine on this thread until it stops; returns why it failed, or null when it stopped because it was asked to. */
    private CutoverException runEngineOnce() {
        java.util.concurrent.atomic.AtomicReference<CutoverException> stopped = new java.util.concurrent.atomic.AtomicReference<>();
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .notifying(this::handleBatch)
                .using((success, message, error) -> {
                    running = false;
                    if (!success && !closing) {
                        String m = message == null ? String.valueOf(error) : message;
                        if (error != null && error.getMessage() != null && !m.contains(error.getMessage())) {
                            m = m + ": " + error.getMessage();
                        }
                        if (!table.endpoint().password().isEmpty()) {
                            m = m.replace(table.endpoint().password(), "***");
                        }
                        String lower = m.toLowerCase(java.util.Locale.ROOT);
                        boolean login = lower.contains("password authentication failed") || lower.contains("access denied");
                        if (schemaChange != null) {
                            stopped.set(schemaChange);
                            return;
                        }
                        stopped.set(new CutoverException(login ? ErrorCode.CREDENTIALS : ErrorCode.TRANSIENT,
                                "change capture from " + table.endpoint().describe() + " stopped: " + m, error));
                    }
                })
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        running = true;
                    }
                })
                .build();
        engine = e;
        if (closing) {
            return null;
        }
        // restartStalled() closes this engine and marks it stalled: the restart loop then starts a new one from the last saved position.
        // The mark names the engine, so an older engine's mark never matches this one and needs no clearing.
        e.run();
        if (stalledEngine == e && !closing) {
            return new CutoverException(ErrorCode.TRANSIENT, "change capture from " + table.endpoint().describe() + " made no progress"
                    + " and was started again");
        }
        return stopped.get();
    }

    private volatile DebeziumEngine<?> stalledEngine;

    /**
     * Closes the running engine so that the restart loop starts a new one from the last saved position, as after any failure
     * (what is read again is deduplicated by the change log). For a caller that knows capture should have moved and did not:
     * the drained fence, whose logical message every healthy capture delivers (a CI run saw Debezium's own task restart
     * hang after a reset, silently, with no error to restart from).
     */
    public void restartStalled(String why) {
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = engine;
        if (e == null || closing) {
            return;
        }
        LOG.warn("change capture from {} {}: starting it again from the last saved position", table.endpoint().describe(), why);
        stalledEngine = e;
        try {
            e.close();
        } catch (IOException | RuntimeException ex) {
            LOG.warn("closing a stalled Debezium engine: {}", ex.toString());
        }
    }

    /** True once the connector's task runs (it streams from the slot or the binlog). */
    public boolean running() {
        return running;
    }

    /** Events handled so far in this run. */
    public long events() {
        return events.get();
    }

    /** Events dead-lettered in this run because they could not be mapped. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /** The source offset of the last event whose changes are durable in the change log, or null before the first. */
    public Map<String, ?> durableOffset() {
        return durable;
    }

    /** Why capture stopped, or null while it runs. */
    public CutoverException failure() {
        return failure;
    }

    /** Waits until the connector's task runs, or fails. */
    public void awaitRunning(long timeoutMillis) {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!running && failure == null && System.currentTimeMillis() < end) {
            sleep(50);
        }
        if (failure != null) {
            throw failure;
        }
        if (!running) {
            throw new CutoverException(ErrorCode.ENDPOINT_UNREACHABLE, "change capture from " + table.endpoint().describe() + " did not start within "
                    + timeoutMillis / 1000 + " s");
        }
    }

    void handleBatch(List<RecordChangeEvent<SourceRecord>> records, DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        beforeBatch.run();
        List<ChangeRecord> changes = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (RecordChangeEvent<SourceRecord> e : records) {
            SourceRecord r = e.record();
            // A row event has "before" and "after"; a logical decoding message ("m", such as SourceFence's) has neither.
            if (r.value() instanceof Struct envelope && envelope.schema().field("op") != null && envelope.schema().field("after") != null) {
                if (refuseSchemaChanges) {
                    requireSameColumns(envelope); // throws before anything of this batch is durable
                }
                try {
                    changes.addAll(toChanges(envelope, leavesForNewKey(r), now));
                } catch (RuntimeException ex) {
                    // Any event that cannot be mapped (a bad value, a time Java cannot hold) is dead-lettered and
                    // counted, and capture goes on: otherwise every resume would stop on it again.
                    deadLetters.accept(table.qualifiedName(), describe(envelope), "change cannot be mapped: " + ex);
                    deadLettered.incrementAndGet();
                }
            }
        }
        // The first half of a primary-key change (its DELETE) ends the batch: its offset is not committed, so that a
        // crash before the second half (the CREATE, same source position) re-reads both; the DELETE is deduplicated.
        int committed = records.size();
        if (committed > 1 && leavesForNewKey(records.get(committed - 1).record())) {
            committed--;
        }
        SourceRecord last = records.isEmpty() ? null : records.get(committed - 1).record();
        if (last != null) {
            byte[] key = keyConverter.fromConnectData(engineName, null, Arrays.asList(engineName, last.sourcePartition()));
            byte[] value = valueConverter.fromConnectData(engineName, null, last.sourceOffset());
            log.append(changes, new PartitionPosition(ChangeLogOffsetStore.PARTITION, ChangeLogOffsetStore.encode(key, value), false));
            durable = last.sourceOffset();
        }
        events.addAndGet(records.size());
        for (int i = 0; i < committed; i++) {
            committer.markProcessed(records.get(i));
        }
        committer.markBatchFinished();
    }

    private void requireSameColumns(Struct envelope) {
        Struct image = envelope.getStruct("after") != null ? envelope.getStruct("after") : envelope.getStruct("before");
        if (image == null) {
            return;
        }
        java.util.Set<String> now = new java.util.LinkedHashSet<>();
        image.schema().fields().forEach(f -> now.add(f.name()));
        java.util.Set<String> planned = mapper.schema().columns().keySet();
        if (now.equals(planned)) {
            return;
        }
        java.util.Set<String> added = new java.util.TreeSet<>(now);
        added.removeAll(planned);
        java.util.Set<String> dropped = new java.util.TreeSet<>(planned);
        dropped.removeAll(now);
        CutoverException e = new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "the schema of " + table.qualifiedName() + " on "
                + table.endpoint().describe() + " changed while it was replicated (columns added: " + added + ", dropped: " + dropped
                + "): schema changes are not replicated. Make the same change to the table on the other side, then start this"
                + " direction again with --restart (a new copy; rows already there are kept by the version rule)");
        schemaChange = e;
        throw e;
    }

    /** True for the DELETE Debezium emits first when a row's primary key changes (the CREATE of the new key follows). */
    static boolean leavesForNewKey(SourceRecord r) {
        return r.headers() != null && r.headers().lastWithName(NEW_KEY_HEADER) != null;
    }

    /**
     * The item changes of one event. Every change gets its own position, so that the change log's
     * uniqueness on (partition, position) drops only a re-delivery: the DELETE half of a primary-key change
     * shares its source position with the CREATE that follows, so it is told apart by the suffix ":old", as is
     * the DELETE of the old item when an UPDATE moves a row to another item key.
     */
    List<ChangeRecord> toChanges(Struct envelope, boolean leavesForNewKey, long now) {
        String op = envelope.getString("op");
        Struct source = envelope.getStruct("source");
        String position = position(source) + (leavesForNewKey ? OLD_SUFFIX : "");
        long ts = source.getInt64("ts_ms");
        Struct before = envelope.getStruct("before");
        Struct after = envelope.getStruct("after");
        Map<String, Object> beforeRow = before == null ? null : DebeziumValues.row(before, mapper.schema().columns());
        List<ChangeRecord> out = new ArrayList<>(2);
        switch (op) {
            case "c", "r" -> {
                Map<String, Object> row = complete(DebeziumValues.row(after, mapper.schema().columns()), null);
                Map<String, AttributeValue> item = mapper.item(row);
                out.add(ChangeRecord.put(partition(), position, key(item), item, ts, now));
            }
            case "u" -> {
                Map<String, Object> row = complete(DebeziumValues.row(after, mapper.schema().columns()), beforeRow);
                Map<String, AttributeValue> item = mapper.item(row);
                Map<String, AttributeValue> newKey = key(item);
                if (beforeRow != null && beforeRow.keySet().containsAll(mapper.tableKeyColumns())) {
                    Map<String, AttributeValue> oldKey = mapper.key(beforeRow);
                    Object version = mapper.versions().map(v -> row.get(v.name())).orElse(null);
                    if (!oldKey.equals(newKey) && version != null) {
                        // A versioned row moved by the SQL store: the old key was deleted by the same write, at its version, so
                        // the delete travels as a tombstone (an unversioned delete would be refused by a versioned item).
                        Map<String, AttributeValue> tombstone = new java.util.HashMap<>(oldKey);
                        tombstone.put(mapper.versions().get().name(), AttributeValue.fromS(version.toString()));
                        tombstone.put(mapper.versions().get().tombstone(), AttributeValue.fromBool(true));
                        out.add(ChangeRecord.put(partition(), position + OLD_SUFFIX, oldKey, tombstone, ts, now));
                    } else if (!oldKey.equals(newKey)) {
                        out.add(ChangeRecord.delete(partition(), position + OLD_SUFFIX, oldKey, ts, now));
                    }
                }
                out.add(ChangeRecord.put(partition(), position, newKey, item, ts, now));
            }
            case "d" -> {
                if (beforeRow == null) {
                    throw new IllegalArgumentException("a delete without its old row");
                }
                out.add(ChangeRecord.delete(partition(), position, mapper.key(beforeRow), ts, now));
            }
            default -> {
                // "t" (truncate) and "m" (message) carry no row
                if (op.equals("t")) {
                    throw new IllegalArgumentException("TRUNCATE of " + table.qualifiedName() + " is not applied: truncate the target yourself or run migrate --restart");
                }
            }
        }
        return out;
    }

    private Map<String, AttributeValue> key(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> k = new LinkedHashMap<>();
        for (String a : mapper.keyAttributeNames()) {
            k.put(a, item.get(a));
        }
        return k;
    }

    /** Fills values an UPDATE did not carry (unchanged TOASTed columns) from the old row; fails when there is none. */
    private static Map<String, Object> complete(Map<String, Object> row, Map<String, Object> before) {
        for (Map.Entry<String, Object> e : row.entrySet()) {
            if (e.getValue() == DebeziumValues.Unavailable.INSTANCE) {
                Object old = before == null ? null : before.get(e.getKey());
                if (old == null || old == DebeziumValues.Unavailable.INSTANCE) {
                    throw new IllegalArgumentException("column " + e.getKey() + " was not in the change event (an unchanged TOASTed value);"
                            + " set REPLICA IDENTITY FULL on the table");
                }
                e.setValue(old);
            }
        }
        return row;
    }

    private String partition() {
        return table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL ? "pg:" + table.qualifiedName() : "binlog:" + table.qualifiedName();
    }

    /** The event's own place in the source: PostgreSQL LSN, or binlog file, position and row. */
    private static String position(Struct source) {
        if (source.schema().field("lsn") != null) {
            Object lsn = source.get("lsn");
            return String.format("%020d", ((Number) lsn).longValue());
        }
        Object row = source.schema().field("row") != null ? source.get("row") : 0;
        Object gtid = source.schema().field("gtid") != null ? source.get("gtid") : null;
        return source.getString("file") + ":" + String.format("%015d", source.getInt64("pos")) + ":" + row + (gtid == null ? "" : ":" + gtid);
    }

    private Map<String, AttributeValue> describe(Struct envelope) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        m.put("op", AttributeValue.fromS(String.valueOf(envelope.get("op"))));
        Struct image = envelope.getStruct("after") != null ? envelope.getStruct("after") : envelope.getStruct("before");
        if (image != null) {
            for (String c : mapper.schema().primaryKey()) {
                if (image.schema().field(c) != null) {
                    m.put(c, AttributeValue.fromS(String.valueOf(image.get(c))));
                }
            }
        }
        return m;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (closing) {
            return; // a second close would wait minutes for an engine that already stopped
        }
        closing = true;
        DebeziumEngine<?> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (IOException ex) {
                LOG.warn("closing Debezium: {}", ex.toString());
            }
        }
        thread.shutdown();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        ChangeLogOffsetStore.unregister(props.getProperty(ChangeLogOffsetStore.LOG_ID));
    }
}
