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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The change log in a SQLite file (docs/decisions/0009-change-log-in-sqlite.md): WAL journal with
 * {@code synchronous=FULL}, so a commit survives a {@code kill -9} and a power cut; one transaction
 * per {@link #append} holds both the changes and the partition's position. Items are stored as
 * DynamoDB JSON, so every type survives exactly. All access goes through one connection under this
 * object's lock; appends are batched by the caller, so the lock is not a bottleneck.
 */
public final class SqliteChangeLog implements ChangeLog {
    private final Connection db;
    private final Path file;

    private SqliteChangeLog(Connection db, Path file) {
        this.db = db;
        this.file = file;
    }

    public static SqliteChangeLog open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, partition TEXT NOT NULL,"
                        + " position TEXT NOT NULL, op TEXT NOT NULL, item_key TEXT NOT NULL, image TEXT, source_ms INTEGER NOT NULL,"
                        + " captured_ms INTEGER NOT NULL, UNIQUE (partition, position))");
                s.execute("CREATE TABLE IF NOT EXISTS partitions (partition TEXT PRIMARY KEY, last_position TEXT, finished INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS applied (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
                        + " written INTEGER NOT NULL DEFAULT 0, superseded INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0)");
                s.execute("INSERT OR IGNORE INTO applied (id, seq) VALUES (1, 0)");
            }
            db.setAutoCommit(false);
            db.commit();
            return new SqliteChangeLog(db, file);
        } catch (Exception e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot open the change log " + file + ": " + e.getMessage()
                    + " (is --state-dir writable? a damaged log needs --restart)", e);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized int append(List<ChangeRecord> changes, PartitionPosition position) {
        try (PreparedStatement insert = db.prepareStatement("INSERT OR IGNORE INTO changes (partition, position, op, item_key, image,"
                + " source_ms, captured_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement pos = db.prepareStatement("INSERT INTO partitions (partition, last_position, finished) VALUES (?, ?, ?)"
                     + " ON CONFLICT (partition) DO UPDATE SET last_position = excluded.last_position, finished = excluded.finished")) {
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
            pos.setString(1, position.partition());
            pos.setString(2, position.lastPosition());
            pos.setInt(3, position.finished() ? 1 : 0);
            pos.executeUpdate();
            db.commit();
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
             ResultSet r = s.executeQuery("SELECT partition, last_position, finished FROM partitions ORDER BY partition")) {
            while (r.next()) {
                out.put(r.getString(1), new PartitionPosition(r.getString(1), r.getString(2), r.getInt(3) == 1));
            }
            return out;
        } catch (SQLException e) {
            throw failure("read positions from", e);
        }
    }

    @Override
    public synchronized List<ChangeRecord> read(long afterSequence, int limit) {
        List<ChangeRecord> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT seq, partition, position, op, item_key, image, source_ms, captured_ms"
                + " FROM changes WHERE seq > ? ORDER BY seq LIMIT ?")) {
            q.setLong(1, afterSequence);
            q.setInt(2, limit);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    ChangeRecord.Operation op = ChangeRecord.Operation.valueOf(r.getString(4));
                    String image = r.getString(6);
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
    public synchronized long lastSequence() {
        return single("SELECT COALESCE(MAX(seq), 0) FROM changes");
    }

    @Override
    public synchronized void markApplied(long sequence, AppliedCounts delta) {
        try (PreparedStatement u = db.prepareStatement("UPDATE applied SET seq = MAX(seq, ?), written = written + ?,"
                + " superseded = superseded + ?, dead = dead + ? WHERE id = 1")) {
            u.setLong(1, sequence);
            u.setLong(2, delta.applied());
            u.setLong(3, delta.superseded());
            u.setLong(4, delta.deadLettered());
            u.executeUpdate();
            db.commit();
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
    public synchronized long applied() {
        return single("SELECT seq FROM applied WHERE id = 1");
    }

    @Override
    public synchronized long size() {
        return single("SELECT COUNT(*) FROM changes");
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
