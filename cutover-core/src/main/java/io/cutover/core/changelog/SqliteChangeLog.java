package io.cutover.core.changelog;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.DynamoDbJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The change log in a SQLite file (docs/decisions/0009-change-log-in-sqlite.md): WAL journal with
 * {@code synchronous=FULL}, so a commit survives a {@code kill -9} and a power cut; one transaction
 * per {@link #append} holds both the changes and the partition's position. Items are stored as
 * DynamoDB JSON, so every type survives exactly. All access goes through one connection under this
 * object's lock; appends are batched by the caller, so the lock is not a bottleneck.
 *
 * <p>The counters ({@link #size}, {@link #retained}, {@link #lastSequence}, {@link #applied}) live in
 * the {@code counters} and {@code applied} rows, updated in the transaction that changes the rows they
 * count, and are cached in fields, so that status lines and the apply loop never count rows or wait
 * for the lock capture needs. Each acknowledgement is stamped in {@code applied_marks}, which is what
 * {@link #prune} measures the retention against (docs/decisions/0051-change-log-counters-and-pruning.md).
 */
public final class SqliteChangeLog implements ChangeLog {
    /** How long applied changes are kept unless told otherwise. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(3);
    /** Rows deleted by one {@link #prune} call at most, so that capture never waits long for the lock. */
    static final int PRUNE_BATCH = 20_000;

    private final Connection db;
    private final Path file;
    private final long retentionMillis;
    private final LongSupplier clock;
    private volatile long appended;
    private volatile long pruned;
    private volatile long lastSeq;
    private volatile long appliedSeq;
    private long nextPruneAt;

    private SqliteChangeLog(Connection db, Path file, Duration retention, LongSupplier clock) throws SQLException {
        this.db = db;
        this.file = file;
        this.retentionMillis = retention.toMillis();
        this.clock = clock;
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT c.appended, c.pruned, c.last_seq, a.seq FROM counters c, applied a WHERE c.id = 1 AND a.id = 1")) {
            r.next();
            appended = r.getLong(1);
            pruned = r.getLong(2);
            lastSeq = r.getLong(3);
            appliedSeq = r.getLong(4);
        }
    }

    /** Opens (or creates) the log with the default retention of applied changes. */
    public static SqliteChangeLog open(Path file) {
        return open(file, DEFAULT_RETENTION, System::currentTimeMillis);
    }

    /**
     * Opens an existing log read-only, for a second process (the archive) while a migration appends to it: it
     * creates nothing, never prunes, and waits up to 10 s for a writer's lock. Its counters are those at open.
     */
    public static SqliteChangeLog openForReading(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "no change log at " + file
                    + ": pass the --state-dir of a DynamoDB migration (cutover migrate --state-dir)");
        }
        try {
            org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
            config.setReadOnly(true);
            config.setBusyTimeout(10_000);
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
            return new SqliteChangeLog(db, file, Duration.ZERO, System::currentTimeMillis);
        } catch (SQLException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read the change log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param retention how long a change is kept after the target acknowledged it; zero keeps every change
     * @param clock     milliseconds since the epoch, replaced in tests
     */
    public static SqliteChangeLog open(Path file, Duration retention, LongSupplier clock) {
        if (retention.isNegative()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--log-retention must not be negative, was " + retention
                    + ": pass 0 to keep every change");
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, partition TEXT NOT NULL,"
                        + " position TEXT NOT NULL, op TEXT NOT NULL, item_key TEXT NOT NULL, image TEXT, source_ms INTEGER NOT NULL,"
                        + " captured_ms INTEGER NOT NULL, UNIQUE (partition, position))");
                s.execute("CREATE TABLE IF NOT EXISTS partitions (partition TEXT PRIMARY KEY, last_position TEXT, finished INTEGER NOT NULL,"
                        + " read_ms INTEGER NOT NULL DEFAULT 0)");
                addColumnIfMissing(s, "partitions", "read_ms INTEGER NOT NULL DEFAULT 0");
                s.execute("CREATE TABLE IF NOT EXISTS applied (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
                        + " written INTEGER NOT NULL DEFAULT 0, superseded INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0)");
                s.execute("INSERT OR IGNORE INTO applied (id, seq) VALUES (1, 0)");
                s.execute("CREATE TABLE IF NOT EXISTS applied_marks (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS counters (id INTEGER PRIMARY KEY CHECK (id = 1), appended INTEGER NOT NULL,"
                        + " pruned INTEGER NOT NULL, last_seq INTEGER NOT NULL)");
                // A log written before the counters existed is counted once, here.
                s.execute("INSERT OR IGNORE INTO counters (id, appended, pruned, last_seq) SELECT 1, COUNT(*), 0, COALESCE(MAX(seq), 0)"
                        + " FROM changes");
            }
            db.setAutoCommit(false);
            db.commit();
            return new SqliteChangeLog(db, file, retention, clock);
        } catch (Exception e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot open the change log " + file + ": " + e.getMessage()
                    + " (is --state-dir writable? a damaged log needs --restart)", e);
        }
    }

    private static void addColumnIfMissing(Statement s, String table, String column) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM pragma_table_info('" + table + "') WHERE name = '"
                + column.substring(0, column.indexOf(' ')) + "'")) {
            if (r.next() && r.getInt(1) == 0) {
                s.execute("ALTER TABLE " + table + " ADD COLUMN " + column);
            }
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized int append(List<ChangeRecord> changes, PartitionPosition position) {
        try (PreparedStatement insert = db.prepareStatement("INSERT OR IGNORE INTO changes (partition, position, op, item_key, image,"
                + " source_ms, captured_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement pos = db.prepareStatement("INSERT INTO partitions (partition, last_position, finished, read_ms) VALUES (?, ?, ?, ?)"
                     + " ON CONFLICT (partition) DO UPDATE SET last_position = excluded.last_position, finished = excluded.finished,"
                     + " read_ms = excluded.read_ms");
             PreparedStatement count = db.prepareStatement("UPDATE counters SET appended = appended + ?, last_seq = ? WHERE id = 1")) {
            for (ChangeRecord c : changes) {
                insert.setString(1, c.partition());
                insert.setString(2, c.sourcePosition());
                insert.setString(3, c.operation().name());
                insert.setString(4, DynamoDbJson.write(c.key()));
                insert.setString(5, c.image() == null ? null : DynamoDbJson.write(c.image()));
                insert.setLong(6, c.sourceTimeMillis());
                insert.setLong(7, c.capturedAtMillis());
                insert.addBatch();
            }
            int added = 0;
            for (int n : insert.executeBatch()) {
                added += Math.max(0, n);
            }
            long last = lastSeq;
            if (added > 0) {
                last = Math.max(last, single("SELECT last_insert_rowid()"));
            }
            pos.setString(1, position.partition());
            pos.setString(2, position.lastPosition());
            pos.setInt(3, position.finished() ? 1 : 0);
            pos.setLong(4, position.readAtMillis());
            pos.executeUpdate();
            count.setLong(1, added);
            count.setLong(2, last);
            count.executeUpdate();
            db.commit();
            appended += added;
            lastSeq = last;
            return added;
        } catch (SQLException e) {
            rollback();
            throw failure("append to", e);
        }
    }

    @Override
    public synchronized Map<String, PartitionPosition> positions() {
        Map<String, PartitionPosition> out = new LinkedHashMap<>();
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT partition, last_position, finished, read_ms FROM partitions ORDER BY partition")) {
            while (r.next()) {
                out.put(r.getString(1), new PartitionPosition(r.getString(1), r.getString(2), r.getInt(3) == 1, r.getLong(4)));
            }
            return out;
        } catch (SQLException e) {
            throw failure("read positions from", e);
        }
    }

    @Override
    public synchronized List<ChangeRecord> read(long afterSequence, int limit, long maxBytes) {
        List<ChangeRecord> out = new ArrayList<>();
        long bytes = 0;
        try (PreparedStatement q = db.prepareStatement("SELECT seq, partition, position, op, item_key, image, source_ms, captured_ms"
                + " FROM changes WHERE seq > ? ORDER BY seq LIMIT ?")) {
            q.setLong(1, afterSequence);
            q.setInt(2, limit);
            try (ResultSet r = q.executeQuery()) {
                // Rows come one at a time from SQLite, so stopping here keeps the rest out of memory.
                while (bytes < maxBytes && r.next()) {
                    ChangeRecord.Operation op = ChangeRecord.Operation.valueOf(r.getString(4));
                    String image = r.getString(6);
                    bytes += r.getString(5).length() + (image == null ? 0 : image.length());
                    out.add(new ChangeRecord(r.getLong(1), r.getString(2), r.getString(3), DynamoDbJson.read(r.getString(5)), op,
                            image == null ? null : DynamoDbJson.read(image), r.getLong(7), r.getLong(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read from", e);
        }
    }

    @Override
    public long lastSequence() {
        return lastSeq;
    }

    @Override
    public synchronized void markApplied(long sequence, AppliedCounts delta) {
        try (PreparedStatement u = db.prepareStatement("UPDATE applied SET seq = MAX(seq, ?), written = written + ?,"
                + " superseded = superseded + ?, dead = dead + ? WHERE id = 1");
             PreparedStatement mark = db.prepareStatement("INSERT OR REPLACE INTO applied_marks (seq, at_ms) VALUES (?, ?)")) {
            u.setLong(1, sequence);
            u.setLong(2, delta.applied());
            u.setLong(3, delta.superseded());
            u.setLong(4, delta.deadLettered());
            u.executeUpdate();
            if (sequence > appliedSeq && retentionMillis > 0) {
                mark.setLong(1, sequence);
                mark.setLong(2, clock.getAsLong());
                mark.executeUpdate();
            }
            db.commit();
            appliedSeq = Math.max(appliedSeq, sequence);
        } catch (SQLException e) {
            rollback();
            throw failure("record progress in", e);
        }
    }

    @Override
    public synchronized AppliedCounts appliedCounts() {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT written, superseded, dead FROM applied WHERE id = 1")) {
            return r.next() ? new AppliedCounts(r.getLong(1), r.getLong(2), r.getLong(3)) : new AppliedCounts(0, 0, 0);
        } catch (SQLException e) {
            throw failure("read counts from", e);
        }
    }

    @Override
    public long applied() {
        return appliedSeq;
    }

    @Override
    public long size() {
        return appended;
    }

    @Override
    public long retained() {
        return appended - pruned;
    }

    /**
     * Does nothing (without a query) until the oldest acknowledgement not yet pruned reaches the
     * retention, or at once while the previous call still found more than one batch to delete.
     */
    @Override
    public synchronized long prune() {
        long now = clock.getAsLong();
        if (retentionMillis == 0 || now < nextPruneAt) {
            return 0;
        }
        try (PreparedStatement upTo = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM applied_marks WHERE at_ms <= ?");
             PreparedStatement first = db.prepareStatement("SELECT COALESCE(MIN(seq), 0) FROM changes");
             PreparedStatement delete = db.prepareStatement("DELETE FROM changes WHERE seq <= ?");
             PreparedStatement marks = db.prepareStatement("DELETE FROM applied_marks WHERE seq < ?");
             PreparedStatement count = db.prepareStatement("UPDATE counters SET pruned = pruned + ? WHERE id = 1");
             PreparedStatement next = db.prepareStatement("SELECT MIN(at_ms) FROM applied_marks WHERE at_ms > ?")) {
            upTo.setLong(1, now - retentionMillis);
            long limit = longOf(upTo);
            long from = longOf(first);
            // Sequences are dense but for duplicates skipped, so this bounds the rows deleted by one call.
            long to = Math.min(limit, from + PRUNE_BATCH - 1);
            long deleted = 0;
            if (from > 0 && to >= from) {
                delete.setLong(1, to);
                deleted = delete.executeUpdate();
                marks.setLong(1, to);
                marks.executeUpdate();
                count.setLong(1, deleted);
                count.executeUpdate();
                db.commit();
                pruned += deleted;
            }
            if (to < limit) {
                nextPruneAt = now;
            } else {
                // A later acknowledgement is stamped no earlier than now.
                next.setLong(1, now - retentionMillis);
                long oldest = longOf(next);
                nextPruneAt = (oldest == 0 ? now : oldest) + retentionMillis;
            }
            return deleted;
        } catch (SQLException e) {
            rollback();
            throw failure("prune", e);
        }
    }

    private static long longOf(PreparedStatement q) throws SQLException {
        try (ResultSet r = q.executeQuery()) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    private long single(String sql) {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getLong(1) : 0;
        } catch (SQLException e) {
            throw failure("query", e);
        }
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the failure being thrown says so.
        }
    }

    private CutoverException failure(String what, SQLException e) {
        return new CutoverException(ErrorCode.STATE_CONFLICT, "cannot " + what + " the change log " + file + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // Every commit is already durable.
        }
    }
}
