package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.verify.ItemHasher;
import io.cutover.core.verify.VerifySide;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The table as it was at the restore point, worked out on disk (a SQLite file in the restore's state directory):
 * the base snapshot's items, then every archived change after the base and up to the point, applied per key in log
 * order (a later sequence replaces an earlier one; a delete leaves a tombstone). Memory stays flat however large the
 * table. Built once and marked complete, so a restore killed while writing does not rebuild it; it then serves the
 * writer as parallel {@link SnapshotUnit}s over row ranges, and the verifier as the expected side.
 *
 * <p>Threading: every method is synchronized on the one connection; units and lookups may come from many threads.
 */
public final class RestoreState implements VerifySide, AutoCloseable {
    private static final int PAGE = 1000;
    private static final int COMMIT_EVERY = 20_000;

    /** What the restore point comes to. */
    public record Summary(String base, long baseItems, long changesReplayed, long items, long bytes) {
    }

    private final Connection db;
    private final Path file;
    private final ItemHasher keys;

    private RestoreState(Connection db, Path file, ItemHasher keys) {
        this.db = db;
        this.file = file;
        this.keys = keys;
    }

    public static RestoreState open(Path file, List<String> keyAttributes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, item_key TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL, image TEXT)");
            }
            db.setAutoCommit(false);
            db.commit();
            return new RestoreState(db, file, new ItemHasher(keyAttributes, 1));
        } catch (SQLException | java.io.IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot open the restore state " + file + ": " + e.getMessage()
                    + " (is --state-dir writable?)", e);
        }
    }

    /** The summary of a complete build, or empty when none finished (a kill during the build starts it over). */
    public synchronized Optional<Summary> built(String planId) {
        String id = meta("plan");
        if (id != null && !id.equals(planId)) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "the restore state " + file + " belongs to another restore (" + id
                    + "): use another --state-dir, or delete it to start over");
        }
        if (!"true".equals(meta("built"))) {
            return Optional.empty();
        }
        return Optional.of(new Summary(meta("base"), Long.parseLong(meta("baseItems")), Long.parseLong(meta("replayed")),
                Long.parseLong(meta("items")), Long.parseLong(meta("bytes"))));
    }

    /** Works out the state at the plan's point from the archive (whose files are checked first). */
    public synchronized Summary build(String planId, RestorePlan plan, ArchiveFileReader reader) {
        reader.check(plan.base());
        plan.segments().forEach(reader::check);
        try {
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM items");
                s.execute("DELETE FROM meta WHERE k <> 'creates'");
            }
            putMeta("plan", planId);
            long[] n = new long[2];
            long baseSeq = plan.base().firstSequence();
            try (PreparedStatement put = db.prepareStatement("INSERT INTO items (item_key, seq, image) VALUES (?, ?, ?)"
                    + " ON CONFLICT (item_key) DO UPDATE SET seq = excluded.seq, image = excluded.image WHERE excluded.seq >= items.seq")) {
                reader.items(plan.base(), item -> {
                    upsert(put, keys.keyText(item), baseSeq, DynamoDbJson.write(item));
                    n[0]++;
                });
                for (ArchiveEntry segment : plan.segments()) {
                    reader.changes(segment, c -> {
                        if (c.sequence() > baseSeq && plan.point().includes(c.sequence(), c.timeMillis())) {
                            upsert(put, keys.keyText(c.key()), c.sequence(), c.image() == null ? null : DynamoDbJson.write(c.image()));
                            n[1]++;
                        }
                    });
                }
            }
            long items;
            long bytes;
            try (Statement s = db.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(LENGTH(image)), 0) FROM items WHERE image IS NOT NULL")) {
                r.next();
                items = r.getLong(1);
                bytes = r.getLong(2);
            }
            Summary summary = new Summary(plan.base().name(), n[0], n[1], items, bytes);
            putMeta("base", summary.base());
            putMeta("baseItems", Long.toString(summary.baseItems()));
            putMeta("replayed", Long.toString(summary.changesReplayed()));
            putMeta("items", Long.toString(items));
            putMeta("bytes", Long.toString(bytes));
            putMeta("built", "true");
            db.commit();
            return summary;
        } catch (SQLException e) {
            throw failure("build", e);
        }
    }

    /** Records, before the table is created, that this restore creates it: a rerun may then write into it. */
    public synchronized void markCreating(String table) {
        try {
            putMeta("creates", table);
            db.commit();
        } catch (SQLException e) {
            throw failure("write", e);
        }
    }

    /** Whether this restore created (or was creating) {@code table}. */
    public synchronized boolean creates(String table) {
        return table.equals(meta("creates"));
    }

    private int pending;

    private void upsert(PreparedStatement put, String key, long seq, String image) {
        try {
            put.setString(1, key);
            put.setLong(2, seq);
            put.setString(3, image);
            put.executeUpdate();
            if (++pending % COMMIT_EVERY == 0) {
                db.commit();
            }
        } catch (SQLException e) {
            throw failure("build", e);
        }
    }

    private String meta(String k) {
        try (PreparedStatement q = db.prepareStatement("SELECT v FROM meta WHERE k = ?")) {
            q.setString(1, k);
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        } catch (SQLException e) {
            throw failure("read", e);
        }
    }

    private void putMeta(String k, String v) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)")) {
            q.setString(1, k);
            q.setString(2, v);
            q.executeUpdate();
        }
    }

    @Override
    public String describe() {
        return "archive state at " + file;
    }

    /** The live items split into {@code segments} row ranges, each a unit with its own checkpoint (the last row written). */
    @Override
    public synchronized List<SnapshotUnit> units(int segments) {
        long max;
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM items")) {
            r.next();
            max = r.getLong(1);
        } catch (SQLException e) {
            throw failure("read", e);
        }
        List<SnapshotUnit> units = new ArrayList<>(segments);
        long width = Math.max(1, (max + segments - 1) / segments);
        for (int i = 0; i < segments; i++) {
            units.add(new RangeUnit(String.format("rows-%05d-of-%05d", i, segments), i * width, Math.min(max, (i + 1) * width)));
        }
        return units;
    }

    synchronized Page page(long after, long last) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        long next = after;
        try (PreparedStatement q = db.prepareStatement("SELECT id, image FROM items WHERE id > ? AND id <= ? ORDER BY id LIMIT ?")) {
            q.setLong(1, after);
            q.setLong(2, last);
            q.setInt(3, PAGE);
            int rows = 0;
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    rows++;
                    next = r.getLong(1);
                    if (r.getString(2) != null) {
                        items.add(DynamoDbJson.read(r.getString(2)));
                    }
                }
            }
            return new Page(items, rows < PAGE || next >= last ? null : new Row(next));
        } catch (SQLException e) {
            throw failure("read", e);
        }
    }

    @Override
    public synchronized Map<String, AttributeValue> lookup(Map<String, AttributeValue> key) {
        try (PreparedStatement q = db.prepareStatement("SELECT image FROM items WHERE item_key = ?")) {
            q.setString(1, keys.keyText(key));
            try (ResultSet r = q.executeQuery()) {
                return r.next() && r.getString(1) != null ? DynamoDbJson.read(r.getString(1)) : null;
            }
        } catch (SQLException e) {
            throw failure("read", e);
        }
    }

    @Override
    public synchronized long estimatedItems() {
        String items = meta("items");
        return items == null ? -1 : Long.parseLong(items);
    }

    private CutoverException failure(String what, SQLException e) {
        return new CutoverException(ErrorCode.STATE_CONFLICT, "cannot " + what + " the restore state " + file + ": " + e.getMessage()
                + " (delete it to start the restore over)", e);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // Closing after a commit loses nothing.
        }
    }

    /** A position inside a row range: the last row id read. */
    record Row(long id) implements Position {
        @Override
        public String encode() {
            return Long.toString(id);
        }
    }

    /** One row range: an independently resumable unit of the restore's bulk write. */
    private final class RangeUnit implements SnapshotUnit {
        private final String id;
        private final long first;
        private final long last;

        RangeUnit(String id, long afterId, long lastId) {
            this.id = id;
            this.first = afterId;
            this.last = lastId;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Page readPage(Position after) {
            return page(after == null ? first : ((Row) after).id(), last);
        }

        @Override
        public Position decode(String encoded) {
            return new Row(Long.parseLong(encoded));
        }
    }
}
