package io.cutover.core.journal;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A durable journal of secondary writes that failed (a mirror or dual write), so that none is ever
 * lost: {@link #append} returns only once the entry is committed to a SQLite file (WAL,
 * {@code synchronous=FULL}), and {@link #drain} replays entries oldest first, removing each only after
 * its handler succeeded. Journaled, drained and pending counts are persisted with the entries.
 *
 * <p>Order per key: while a key has a pending entry, later writes to that key must be journaled too
 * (ask {@link #pendingFor}), otherwise a drained older write could overwrite a newer one. The drain
 * keeps that order: once an entry for a key fails, later entries for the same key wait for the next
 * round. Callers that write the same key from several threads serialise those writes per key. A
 * handler may see an entry twice (a crash between its success and the removal), so it must be
 * idempotent: writing a full item image is.
 */
public final class RetryJournal implements AutoCloseable {
    /** One failed write waiting to be retried. */
    public record Entry(long id, String key, String payload, int attempts, String lastError, long firstFailedMillis) {
    }

    /** Totals since the journal was created: every journaled entry is drained or still pending. */
    public record Counts(long journaled, long drained, long pending) {
    }

    /** What one {@link #drain} round did. */
    public record DrainResult(int drained, int failed, int deferred) {
    }

    /** Replays one entry; returns normally on success, throws on failure (the message is kept as the reason). */
    @FunctionalInterface
    public interface Handler {
        void replay(Entry entry) throws Exception;
    }

    private final Connection db;
    private final Path file;
    private final Map<String, Integer> pendingKeys = new HashMap<>();

    private RetryJournal(Connection db, Path file) {
        this.db = db;
        this.file = file;
    }

    public static RetryJournal open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, item_key TEXT NOT NULL,"
                        + " payload TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, first_failed_ms INTEGER NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS entries_by_key ON entries (item_key)");
                s.execute("CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), journaled INTEGER NOT NULL,"
                        + " drained INTEGER NOT NULL)");
                s.execute("INSERT OR IGNORE INTO totals (id, journaled, drained) VALUES (1, 0, 0)");
            }
            db.setAutoCommit(false);
            db.commit();
            RetryJournal journal = new RetryJournal(db, file);
            journal.loadPendingKeys();
            return journal;
        } catch (SQLException | java.io.IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot open the retry journal " + file + ": " + e.getMessage()
                    + " (is its directory writable?)", e);
        }
    }

    public Path file() {
        return file;
    }

    /** Journals a failed write; durable when this returns. */
    public synchronized long append(String key, String payload, String reason) {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO entries (item_key, payload, attempts, last_error, first_failed_ms)"
                + " VALUES (?, ?, 1, ?, ?)", Statement.RETURN_GENERATED_KEYS);
             PreparedStatement total = db.prepareStatement("UPDATE totals SET journaled = journaled + 1 WHERE id = 1")) {
            insert.setString(1, key);
            insert.setString(2, payload);
            insert.setString(3, reason);
            insert.setLong(4, System.currentTimeMillis());
            insert.executeUpdate();
            long id;
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
            total.executeUpdate();
            db.commit();
            pendingKeys.merge(key, 1, Integer::sum);
            return id;
        } catch (SQLException e) {
            rollback();
            throw failure("append to", e);
        }
    }

    /**
     * Removes an entry whose write completed on its own (a write-ahead intent whose second write succeeded): it is not
     * counted as journaled, since no write failed. The removal is made durable by the next append, drain or close, not
     * at once: it saves a disk flush per write, and a crash before then only replays the entry, which is harmless (replays
     * are idempotent). A missing entry (drained meanwhile) is not an error.
     */
    public synchronized void complete(long id, String key) {
        try (PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE id = ?");
             PreparedStatement total = db.prepareStatement("UPDATE totals SET journaled = journaled - ? WHERE id = 1")) {
            del.setLong(1, id);
            int removed = del.executeUpdate();
            total.setInt(1, removed);
            total.executeUpdate();
            if (removed > 0) {
                pendingKeys.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
            }
        } catch (SQLException ex) {
            rollback();
            throw failure("complete an entry in", ex);
        }
    }

    /** Records why the write of a journaled entry failed (its retry is the drain's). */
    public synchronized void recordFailure(long id, String reason) {
        try (PreparedStatement u = db.prepareStatement("UPDATE entries SET last_error = ? WHERE id = ?")) {
            u.setString(1, reason);
            u.setLong(2, id);
            u.executeUpdate();
            db.commit();
        } catch (SQLException ex) {
            rollback();
            throw failure("record a failed write in", ex);
        }
    }

    /** True while the key has an entry not yet drained: a new write to it must be journaled behind it. */
    public synchronized boolean pendingFor(String key) {
        return pendingKeys.containsKey(key);
    }

    /**
     * Replays up to {@code max} of the oldest entries. Each success is removed and counted at once;
     * a failure keeps its entry (attempts and reason updated) and defers the later entries of its key.
     */
    public DrainResult drain(int max, Handler handler) {
        List<Entry> batch = oldest(max);
        Set<String> blocked = new HashSet<>();
        int drained = 0;
        int failed = 0;
        int deferred = 0;
        for (Entry e : batch) {
            if (blocked.contains(e.key())) {
                deferred++;
                continue;
            }
            try {
                handler.replay(e);
            } catch (Exception ex) {
                blocked.add(e.key());
                failed++;
                recordFailure(e, ex);
                continue;
            }
            remove(e);
            drained++;
        }
        return new DrainResult(drained, failed, deferred);
    }

    /** Entries pending, not counting {@code except} (the intents of writes still in flight, which owe nothing yet). */
    public synchronized long pendingExcept(java.util.Collection<Long> except) {
        if (except.isEmpty()) {
            return pending();
        }
        StringBuilder sql = new StringBuilder("SELECT COUNT(*) FROM entries WHERE id NOT IN (");
        int n = 0;
        for (Long id : except) {
            sql.append(n++ == 0 ? "" : ",").append(id.longValue());
        }
        return single(sql.append(')').toString());
    }

    public synchronized long pending() {
        return single("SELECT COUNT(*) FROM entries");
    }

    public synchronized Counts counts() {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT journaled, drained FROM totals WHERE id = 1")) {
            r.next();
            return new Counts(r.getLong(1), r.getLong(2), pending());
        } catch (SQLException e) {
            throw failure("read counts from", e);
        }
    }

    /** The oldest pending entries, for status pages and tests. */
    public synchronized List<Entry> oldest(int max) {
        List<Entry> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT id, item_key, payload, attempts, last_error, first_failed_ms FROM entries"
                + " ORDER BY id LIMIT ?")) {
            q.setInt(1, max);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    out.add(new Entry(r.getLong(1), r.getString(2), r.getString(3), r.getInt(4), r.getString(5), r.getLong(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read from", e);
        }
    }

    private synchronized void remove(Entry e) {
        try (PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE id = ?");
             PreparedStatement total = db.prepareStatement("UPDATE totals SET drained = drained + ? WHERE id = 1")) {
            del.setLong(1, e.id());
            int removed = del.executeUpdate();
            total.setInt(1, removed);
            total.executeUpdate();
            db.commit();
            if (removed > 0) {
                pendingKeys.computeIfPresent(e.key(), (k, n) -> n > 1 ? n - 1 : null);
            }
        } catch (SQLException ex) {
            rollback();
            throw failure("remove a drained entry from", ex);
        }
    }

    private synchronized void recordFailure(Entry e, Exception cause) {
        try (PreparedStatement u = db.prepareStatement("UPDATE entries SET attempts = attempts + 1, last_error = ? WHERE id = ?")) {
            u.setString(1, String.valueOf(cause.getMessage()));
            u.setLong(2, e.id());
            u.executeUpdate();
            db.commit();
        } catch (SQLException ex) {
            rollback();
            throw failure("record a failed retry in", ex);
        }
    }

    private void loadPendingKeys() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT item_key, COUNT(*) FROM entries GROUP BY item_key")) {
            while (r.next()) {
                pendingKeys.put(r.getString(1), r.getInt(2));
            }
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
            // the original failure is the one worth reporting
        }
    }

    private CutoverException failure(String what, SQLException e) {
        return new CutoverException(ErrorCode.STATE_CONFLICT, "cannot " + what + " the retry journal " + file + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() {
        try {
            db.commit(); // completions not yet made durable
            db.close();
        } catch (SQLException ignored) {
            // closing: nothing left to protect
        }
    }
}
