package io.cutover.sql.store;

import io.cutover.client.VersionedStore;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A PostgreSQL or MySQL/MariaDB table as a {@link VersionedStore}: items in and out through the table's mapping (the
 * forward {@link RowMapper} to read a row as an item, the {@link InverseMapping} to write an item as a row), with the
 * version rule enforced by the database itself (docs/decisions/0130-sql-store-and-reverse-into-sql.md).
 *
 * <ul>
 *   <li>The table keeps the version in a text column named as the {@link VersionAttribute} ({@code cutover_v}) and the
 *       tombstone flag in a boolean column ({@code cutover_v_deleted}); both are ordinary attributes of the mapping, so
 *       the forward migration carries them into DynamoDB unchanged.</li>
 *   <li>{@link #putIfNewer} without a condition is one statement: on PostgreSQL {@code INSERT ... ON CONFLICT (pk) DO
 *       UPDATE ... WHERE t.v IS NULL OR t.v < EXCLUDED.v} (compared in the "C" collation, byte order, which is the
 *       version order); on MariaDB, which has no WHERE on {@code ON DUPLICATE KEY}, one transaction that locks the row
 *       ({@code SELECT ... FOR UPDATE}) and then updates or inserts it.</li>
 *   <li>Everything else (a tombstone, {@code updateIfNewer}, a condition, {@code transactIfNewer}) is one transaction:
 *       the rows are read under their locks, the version rule and the application's condition decided on what was
 *       read, and the rows written back before the commit.</li>
 *   <li>A delete keeps the row as a tombstone: its last values, the new version, the flag set. A delete of a key with no
 *       row inserts a tombstone row when every NOT NULL column without a default is held by the key; otherwise there is
 *       nothing to keep and it writes nothing.</li>
 *   <li>{@link #writeInOrder} writes a batch of rows (the reverse applier's, decision 0250): the rows read under their
 *       locks in one statement, each row's changes decided in order as the single calls would, each row written once by
 *       multi-row statements that keep the version rule in the statement.</li>
 *   <li>A row is found by its primary key, read back from the key templates. A row whose columns now make another key
 *       (an update moved it) reads, for the old key, as a tombstone at the row's version.</li>
 * </ul>
 *
 * Thread-safe; every call blocks on the database. Connections come from a small pool of its own; transient failures
 * (a dropped connection, a deadlock, a race of two inserts) are retried through one {@link RetryPolicy}.
 */
public final class SqlStore implements VersionedStore, AutoCloseable {
    private static final int MAX_IDLE = 16; // restore --into-source writes 16 pages at once by default
    private static final Pattern EXISTS = Pattern.compile("(?i)^\\(?\\s*attribute_(not_)?exists\\s*\\(\\s*([#A-Za-z0-9_.-]+)\\s*\\)\\s*\\)?$");

    private final SqlTable table;
    private final TableSchema schema;
    private final RowMapper mapper;
    private final InverseMapping inverse;
    private final VersionAttribute version;
    private final boolean postgres;
    private final Map<String, String> pgTypes;
    private final boolean tombstoneInsertable;
    private final ColumnLimits limits;
    /** False for a restore into a table without version columns: plain writes only (0180). */
    private final boolean versioned;
    private final RetryPolicy retry = new RetryPolicy(8, Duration.ofMillis(20), Duration.ofSeconds(1));
    private final LinkedBlockingDeque<Connection> idle = new LinkedBlockingDeque<>();
    private volatile boolean closed;

    /** Reads the table's columns and checks the mapping can be inverted and holds the version columns. */
    public SqlStore(SqlEndpoint endpoint, String tableName, Mapping mapping, VersionAttribute version) {
        this(new SqlTable(endpoint, tableName), mapping, version, true);
    }

    /**
     * The store {@code restore --into-source} writes through (docs/decisions/0180-restore-into-source.md): with the
     * version columns when the table has them (its rows then keep the versions and tombstones the archive holds), else
     * without: plain writes and deletes through the same inverse mapping, the versioned writes refused.
     */
    public static SqlStore forRestore(SqlEndpoint endpoint, String tableName, Mapping mapping, VersionAttribute version) {
        SqlTable table = new SqlTable(endpoint, tableName);
        TableSchema schema = table.schema();
        boolean columns = schema.kind(version.name()) == ColumnKind.TEXT && schema.kind(version.tombstone()) == ColumnKind.BOOLEAN;
        return new SqlStore(table, mapping, version, columns);
    }

    private SqlStore(SqlTable table, Mapping mapping, VersionAttribute version, boolean versioned) {
        SqlEndpoint endpoint = table.endpoint();
        this.table = table;
        this.schema = table.schema();
        this.versioned = versioned;
        this.mapper = versioned ? mapping.bind(schema).withVersions(version) : mapping.bind(schema);
        this.inverse = new InverseMapping(mapper);
        this.version = version;
        this.postgres = endpoint.flavor() == SqlEndpoint.Flavor.POSTGRESQL;
        if (versioned) {
            requireVersionColumns();
        }
        Map<String, String> types = new HashMap<>();
        Set<String> required = new LinkedHashSet<>();
        readColumns(types, required);
        this.pgTypes = Map.copyOf(types);
        try (Connection c = endpoint.connect()) {
            this.limits = ColumnLimits.read(c, table.schemaName(), table.tableName(), postgres);
        } catch (SQLException e) {
            throw table.failure("read the column types of " + schema.table(), e);
        }
        Set<String> keyHeld = new LinkedHashSet<>(mapping.partitionKey().template().reversibleColumns());
        mapping.sortKey().ifPresent(k -> keyHeld.addAll(k.template().reversibleColumns()));
        this.tombstoneInsertable = keyHeld.containsAll(required);
    }

    private void requireVersionColumns() {
        String v = version.name();
        String t = version.tombstone();
        boolean ok = schema.kind(v) == ColumnKind.TEXT && schema.kind(t) == ColumnKind.BOOLEAN && v.equals(mapper.attributes().get(v))
                && t.equals(mapper.attributes().get(t));
        if (!ok) {
            String type = postgres ? "text COLLATE \"C\"" : "VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin";
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "table " + schema.table() + " needs the version columns " + v + " ("
                    + "text) and " + t + " (boolean), mapped to attributes of the same names (not excluded, not renamed), to join a"
                    + " cut-over: ALTER TABLE " + table.sqlName() + " ADD COLUMN " + table.quote(v) + " " + type + ", ADD COLUMN "
                    + table.quote(t) + " boolean");
        }
    }

    /** PostgreSQL's declared type of each column (for casts), and the NOT NULL columns without a default. */
    private void readColumns(Map<String, String> types, Set<String> required) {
        String sql = postgres
                ? "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull AND NOT a.atthasdef AND a.attidentity = ''"
                + " FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
                + " WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped"
                : "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT LIKE '%auto_increment%'"
                + " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?";
        try (Connection c = table.endpoint().connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, table.schemaName());
            s.setString(2, table.tableName());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                    if (rs.getBoolean(3)) {
                        required.add(rs.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            throw table.failure("read the columns of " + schema.table(), e);
        }
    }

    public RowMapper mapper() {
        return mapper;
    }

    public InverseMapping inverse() {
        return inverse;
    }

    public VersionAttribute versionAttribute() {
        return version;
    }

    /** Whether the rows keep versions and tombstones (always, except a {@link #forRestore} store of a table without them). */
    public boolean versioned() {
        return versioned;
    }

    public SqlTable table() {
        return table;
    }

    @Override
    public String name() {
        return schema.table() + " on " + table.endpoint().describe();
    }

    @Override
    public List<String> keyNames() {
        return mapper.keyAttributeNames();
    }

    // ---- plain writes (no version rule) ----

    @Override
    public void put(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key = keyOf(item);
        Map<String, Object> row = rowOf(item, key);
        transaction("write to", c -> {
            writeRow(c, read(c, key, true), row);
            return null;
        });
    }

    /**
     * Writes every item over what its row holds, with no version rule, in one transaction: a page of {@code restore
     * --into-source}. An item with no row form is refused ({@code REJECTED}) before anything is written.
     */
    public void putAll(List<Map<String, AttributeValue>> items) {
        List<Map<String, Object>> rows = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            rows.add(rowOf(item, keyOf(item)));
        }
        List<String> cols = new ArrayList<>(schema.columns().keySet());
        List<String> set = new ArrayList<>();
        for (String col : cols) {
            if (!schema.primaryKey().contains(col)) {
                set.add(table.quote(col) + (postgres ? " = EXCLUDED." + table.quote(col) : " = VALUES(" + table.quote(col) + ")"));
            }
        }
        // One upsert per row by primary key, batched: the same as writeRow's UPDATE-or-INSERT, in two round trips less a row.
        String pk = String.join(", ", schema.primaryKey().stream().map(table::quote).toList());
        String sql = "INSERT INTO " + table.sqlName() + " (" + String.join(", ", cols.stream().map(table::quote).toList()) + ") VALUES ("
                + String.join(", ", cols.stream().map(this::placeholder).toList()) + ")" + (postgres
                ? " ON CONFLICT (" + pk + ") DO " + (set.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", set))
                : " ON DUPLICATE KEY UPDATE " + (set.isEmpty() ? table.quote(schema.primaryKey().get(0)) + " = " + table.quote(schema.primaryKey().get(0))
                : String.join(", ", set)));
        transaction("write to", c -> {
            try (PreparedStatement p = c.prepareStatement(sql)) {
                for (Map<String, Object> row : rows) {
                    int i = 1;
                    for (String col : cols) {
                        bind(p, i++, col, row.get(col));
                    }
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    /** Deletes the row of this key whatever it holds (a live row or a tombstone row), unless the row now makes another key. */
    public void purge(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> k = keyOf(key);
        transaction("delete from", c -> {
            Stored s = read(c, k, true);
            if (s.row != null && !s.otherKey) {
                deleteRow(c, k);
            }
            return null;
        });
    }

    @Override
    public Optional<Map<String, AttributeValue>> get(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> k = keyOf(key);
        return transaction("read from", c -> read(c, k, false).asItem(k));
    }

    @Override
    public void delete(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> k = keyOf(key);
        transaction("delete from", c -> {
            if (read(c, k, true).holds()) {
                deleteRow(c, k);
            }
            return null;
        });
    }

    @Override
    public Map<String, AttributeValue> update(Map<String, AttributeValue> key, Update update) {
        Map<String, AttributeValue> k = keyOf(key);
        ItemUpdate u = parseUpdate(update);
        return transaction("update in", c -> {
            Stored s = read(c, k, true);
            Map<String, Object> row = rowOf(u.applyTo(s.holds() ? s.item : k), k);
            writeRow(c, s, row);
            return mapper.item(row);
        });
    }

    // ---- versioned writes ----

    @Override
    public boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute v, Condition condition) {
        requireSameVersionAttribute(v);
        Map<String, AttributeValue> key = keyOf(item);
        Optional<String> ver = version.versionOf(item);
        if (version.isTombstone(item)) {
            return transaction("delete from", c -> tombstone(c, key, ver, condition, "delete"));
        }
        Map<String, Object> row = rowOf(item, key);
        row.put(version.name(), ver.orElse(null));
        row.put(version.tombstone(), null);
        if (condition == null && postgres) {
            return transaction("write to", c -> upsertIfNewer(c, row, ver.isPresent()));
        }
        return transaction("write to", c -> {
            Stored s = read(c, key, true);
            if (!newer(s.versionFor(), ver)) {
                return false;
            }
            check(condition, s, key, "put");
            writeRow(c, s, row);
            return true;
        });
    }

    @Override
    public Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                               VersionAttribute v, Condition condition) {
        requireSameVersionAttribute(v);
        Map<String, AttributeValue> k = keyOf(key);
        ItemUpdate u = parseUpdate(update);
        return transaction("update in", c -> {
            Stored s = read(c, k, true);
            if (!newer(s.versionFor(), Optional.of(newVersion.encoded()))) {
                return Optional.empty();
            }
            check(condition, s, k, "update");
            return Optional.of(changeRow(c, s, k, u, newVersion));
        });
    }

    @Override
    public boolean transactIfNewer(List<Write> writes, Version newVersion, VersionAttribute v) {
        requireSameVersionAttribute(v);
        Optional<String> ver = Optional.of(newVersion.encoded());
        try {
            return transaction("write a transaction to", c -> {
                for (int i = 0; i < writes.size(); i++) {
                    Write w = writes.get(i);
                    Map<String, AttributeValue> key = keyOf(w.keyOrItem());
                    String what = "write " + (i + 1) + " of the transaction";
                    Stored s = read(c, key, true);
                    if (w instanceof Check) {
                        check(w.condition(), s, key, what);
                        continue;
                    }
                    if (!newer(s.versionFor(), ver)) {
                        throw new NotNewer();
                    }
                    check(w.condition(), s, key, what);
                    if (w instanceof Put p) {
                        writeRow(c, s, rowOf(version.stamp(p.item(), newVersion), key));
                    } else if (w instanceof Delete) {
                        tombstone(c, key, ver, null, what);
                    } else if (w instanceof Change ch) {
                        changeRow(c, s, key, parseUpdate(ch.update()), newVersion);
                    }
                }
                return true;
            });
        } catch (NotNewer refused) {
            return false;
        }
    }

    @Override
    public boolean deleteUnversioned(Map<String, AttributeValue> key, VersionAttribute v) {
        requireSameVersionAttribute(v);
        Map<String, AttributeValue> k = keyOf(key);
        return transaction("delete from", c -> {
            Stored s = read(c, k, true);
            if (s.row == null || s.otherKey) {
                return true;
            }
            if (s.version != null) {
                return false;
            }
            deleteRow(c, k);
            return true;
        });
    }

    // ---- a batch of rows, each written once (the reverse applier, decision 0250) ----

    /**
     * One change of a row for {@link #writeInOrder}: a put of {@code image} (a tombstone when it carries the flag), as by
     * {@link #putIfNewer(Map, VersionAttribute)}, or, with a null image, a delete made outside the store, as by
     * {@link #deleteUnversioned}.
     */
    public record RowChange(Map<String, AttributeValue> key, Map<String, AttributeValue> image) {
    }

    /**
     * What one {@link RowChange} came to, as the single call would have said: {@code wrote}, or refused by the version
     * rule ({@code held}: what the row then held for the key, for the conflict list), or {@code rejected} by the store's
     * own rules (no row form, a value the column cannot hold) with nothing written.
     */
    public record RowChangeResult(boolean wrote, Map<String, AttributeValue> held, CutoverException rejected) {
    }

    /** The statements of one batch are cut so that none binds more than this many values. */
    private static final int MAX_BOUND_VALUES = 16_000;

    /**
     * Writes several rows' changes with a few multi-row statements instead of two statements a change (decision 0250).
     * Each element of {@code rows} is the changes of one row, all of one key, in the order they must be applied (version
     * order); no two elements address the same row. The rows are read under their locks in one statement; each row's
     * changes are decided in order on what it holds, exactly as one call each would decide them (each counted as written,
     * refused or rejected), so only the row's last state is written: absent rows by one multi-row INSERT, present rows by one
     * multi-row upsert that keeps the version rule in the statement (PostgreSQL {@code ON CONFLICT ... DO UPDATE ... WHERE}
     * the stored version is older, MariaDB {@code ON DUPLICATE KEY UPDATE} with every column {@code IF} the stored version is
     * older, the version column assigned last), rows deleted by one DELETE guarded on no version.
     *
     * <p>Returns, per element, one result per change, or null for a row left to the caller (its changes do not share one
     * key, or it now holds another key, or its key cannot be read), which then writes those changes one call each. Joins
     * {@link #inOneTransaction} when one runs on this thread. A row that changed under the batch (it cannot, being locked,
     * except for a concurrent insert of an absent row) fails the transaction as {@code TRANSIENT}, and it is run again.
     */
    public List<List<RowChangeResult>> writeInOrder(List<List<RowChange>> rows) {
        if (!versioned) {
            return java.util.Collections.nCopies(rows.size(), null);
        }
        return transaction("write to", c -> {
            List<RowPlan> plans = new ArrayList<>(rows.size());
            Map<Map<String, AttributeValue>, RowPlan> byKey = new HashMap<>();
            Set<Map<String, Object>> primaryKeys = new java.util.HashSet<>();
            for (List<RowChange> changes : rows) {
                RowPlan plan = planOf(changes);
                plans.add(plan);
                if (plan != null && (byKey.putIfAbsent(plan.key, plan) != null || !primaryKeys.add(plan.pk))) {
                    return java.util.Collections.<List<RowChangeResult>>nCopies(rows.size(), null); // two elements, one row
                }
            }
            List<RowPlan> handled = plans.stream().filter(java.util.Objects::nonNull).toList();
            if (!readLocked(c, handled, byKey)) {
                // a row holds another key than the one asked for (a change of key): the caller decides every row alone
                return java.util.Collections.nCopies(rows.size(), null);
            }
            for (RowPlan plan : handled) {
                plan.decide();
            }
            writePlans(c, handled);
            List<List<RowChangeResult>> out = new ArrayList<>(plans.size());
            plans.forEach(p -> out.add(p == null ? null : p.results));
            return out;
        });
    }

    /** The plan of one row's changes, or null when they are not all of one readable key. */
    private RowPlan planOf(List<RowChange> changes) {
        try {
            Map<String, AttributeValue> key = null;
            for (RowChange ch : changes) {
                Map<String, AttributeValue> k = keyOf(ch.image() != null ? ch.image() : ch.key());
                if (key != null && !key.equals(k) || !k.equals(keyOf(ch.key()))) {
                    return null;
                }
                key = k;
            }
            if (key == null) {
                return null;
            }
            Map<String, Object> pk = inverse.primaryKey(key);
            return pk.containsValue(null) ? null : new RowPlan(key, pk, changes);
        } catch (CutoverException unreadable) {
            return null;
        }
    }

    /**
     * Reads the rows of {@code plans} under their locks, in one statement per {@value #MAX_BOUND_VALUES} bound values;
     * false when a row found holds another key than any asked for.
     */
    private boolean readLocked(Connection c, List<RowPlan> plans, Map<Map<String, AttributeValue>, RowPlan> byKey) throws SQLException {
        List<String> pkCols = schema.primaryKey();
        int per = Math.max(1, MAX_BOUND_VALUES / pkCols.size());
        String tuple = pkCols.size() == 1 ? placeholder(pkCols.get(0))
                : "(" + String.join(", ", pkCols.stream().map(this::placeholder).toList()) + ")";
        String target = pkCols.size() == 1 ? table.quote(pkCols.get(0)) : "(" + table.pkList(schema) + ")";
        for (int from = 0; from < plans.size(); from += per) {
            List<RowPlan> chunk = plans.subList(from, Math.min(plans.size(), from + per));
            String sql = "SELECT " + table.columnList(schema) + " FROM " + table.sqlName() + " WHERE " + target + " IN ("
                    + String.join(", ", java.util.Collections.nCopies(chunk.size(), tuple)) + ") FOR UPDATE";
            try (PreparedStatement s = c.prepareStatement(sql)) {
                int i = 1;
                for (RowPlan plan : chunk) {
                    for (String col : pkCols) {
                        bind(s, i++, col, plan.pk.get(col));
                    }
                }
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> row = SqlTable.row(rs, schema);
                        RowPlan plan;
                        try {
                            plan = byKey.get(new TreeMap<>(mapper.key(row)));
                        } catch (RuntimeException unreadable) {
                            return false;
                        }
                        if (plan == null) {
                            return false;
                        }
                        plan.stored = row;
                    }
                }
            }
        }
        return true;
    }

    /** One row of a {@link #writeInOrder} batch: what it held, its changes decided in order, what it holds after them. */
    private final class RowPlan {
        final Map<String, AttributeValue> key;
        final Map<String, Object> pk;
        final List<RowChange> changes;
        Map<String, Object> stored;
        Map<String, Object> last;
        boolean dirty;
        final List<RowChangeResult> results = new ArrayList<>();

        RowPlan(Map<String, AttributeValue> key, Map<String, Object> pk, List<RowChange> changes) {
            this.key = key;
            this.pk = pk;
            this.changes = changes;
        }

        /** Each change decided on the row as the changes before it left it, by the same rules as the single calls. */
        void decide() {
            last = stored;
            for (RowChange ch : changes) {
                try {
                    results.add(ch.image() == null ? removeUnversioned() : version.isTombstone(ch.image()) ? tombstone(ch.image())
                            : put(ch.image()));
                } catch (CutoverException e) {
                    if (e.code().retryable()) {
                        throw e;
                    }
                    results.add(new RowChangeResult(false, null, e));
                }
            }
        }

        private String lastVersion() {
            Object v = last == null ? null : last.get(version.name());
            return v == null ? null : v.toString();
        }

        private RowChangeResult refused() {
            return new RowChangeResult(false, last == null ? null : mapper.item(last), null);
        }

        private RowChangeResult wrote(Map<String, Object> row) {
            last = row;
            dirty = true;
            return new RowChangeResult(true, null, null);
        }

        /** As {@link #deleteUnversioned}. */
        private RowChangeResult removeUnversioned() {
            if (last == null) {
                return new RowChangeResult(true, null, null);
            }
            if (lastVersion() != null) {
                return refused();
            }
            return wrote(null);
        }

        /** As {@link #putIfNewer} of a tombstone. */
        private RowChangeResult tombstone(Map<String, AttributeValue> image) {
            Optional<String> ver = version.versionOf(image);
            if (last != null) {
                if (!newer(lastVersion(), ver)) {
                    return refused();
                }
                Map<String, Object> row = new LinkedHashMap<>(last);
                row.put(version.name(), ver.orElse(null));
                row.put(version.tombstone(), Boolean.TRUE);
                limits.check(row, schema.columns());
                return wrote(row);
            }
            if (tombstoneInsertable && ver.isPresent()) {
                Map<String, Object> row = new LinkedHashMap<>();
                schema.columns().keySet().forEach(col -> row.put(col, null));
                row.putAll(inverse.keyColumns(key));
                row.put(version.name(), ver.get());
                row.put(version.tombstone(), Boolean.TRUE);
                limits.check(row, schema.columns());
                return wrote(row);
            }
            return new RowChangeResult(true, null, null); // nothing to keep, as the single call
        }

        /** As {@link #putIfNewer} of a live item (PostgreSQL checks the column limits before the version, MariaDB after). */
        private RowChangeResult put(Map<String, AttributeValue> image) {
            Optional<String> ver = version.versionOf(image);
            Map<String, Object> row = rowOf(image, key);
            row.put(version.name(), ver.orElse(null));
            row.put(version.tombstone(), null);
            if (postgres) {
                limits.check(row, schema.columns());
            }
            if (!newer(lastVersion(), ver)) {
                return refused();
            }
            limits.check(row, schema.columns());
            return wrote(row);
        }
    }

    /** Writes each plan's last state: absent rows inserted, present rows upserted under the version rule, removed rows deleted. */
    private void writePlans(Connection c, List<RowPlan> plans) throws SQLException {
        List<Map<String, Object>> inserts = new ArrayList<>();
        List<Map<String, Object>> updates = new ArrayList<>();
        List<Map<String, Object>> deletes = new ArrayList<>();
        for (RowPlan p : plans) {
            if (!p.dirty) {
                continue;
            }
            if (p.last == null) {
                if (p.stored != null) {
                    deletes.add(p.pk);
                }
            } else {
                Map<String, Object> row = new LinkedHashMap<>();
                schema.columns().keySet().forEach(col -> row.put(col, p.last.get(col)));
                (p.stored == null ? inserts : updates).add(row);
            }
        }
        List<String> cols = new ArrayList<>(schema.columns().keySet());
        int per = Math.max(1, MAX_BOUND_VALUES / cols.size());
        for (int from = 0; from < inserts.size(); from += per) {
            insertRows(c, cols, inserts.subList(from, Math.min(inserts.size(), from + per)));
        }
        for (int from = 0; from < updates.size(); from += per) {
            upsertRows(c, cols, updates.subList(from, Math.min(updates.size(), from + per)));
        }
        int perKey = Math.max(1, MAX_BOUND_VALUES / schema.primaryKey().size());
        for (int from = 0; from < deletes.size(); from += perKey) {
            deleteUnversionedRows(c, deletes.subList(from, Math.min(deletes.size(), from + perKey)));
        }
    }

    private String valuesRows(List<String> cols, int n) {
        String tuple = "(" + String.join(", ", cols.stream().map(this::placeholder).toList()) + ")";
        return String.join(", ", java.util.Collections.nCopies(n, tuple));
    }

    private void bindRows(PreparedStatement p, List<String> cols, List<Map<String, Object>> rows) throws SQLException {
        int i = 1;
        for (Map<String, Object> row : rows) {
            for (String col : cols) {
                bind(p, i++, col, row.get(col));
            }
        }
    }

    /** Rows that were absent when read: a concurrent insert of one of them fails the batch as TRANSIENT (run again). */
    private void insertRows(Connection c, List<String> cols, List<Map<String, Object>> rows) throws SQLException {
        String sql = "INSERT INTO " + table.sqlName() + " (" + String.join(", ", cols.stream().map(table::quote).toList()) + ") VALUES "
                + valuesRows(cols, rows.size());
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bindRows(p, cols, rows);
            p.executeUpdate();
        } catch (SQLException e) {
            if (duplicateKey(e)) {
                throw new CutoverException(ErrorCode.TRANSIENT, "a concurrent insert of a row of the batch in " + schema.table(), e);
            }
            throw e;
        }
    }

    /**
     * Rows present and locked when read, each newer than what it held: one upsert that keeps the version rule in the
     * statement, so that it could never move a row back even if the lock did not hold. Every row must be written; one that
     * is not (PostgreSQL counts them) changed under the batch: TRANSIENT, run again.
     */
    private void upsertRows(Connection c, List<String> cols, List<Map<String, Object>> rows) throws SQLException {
        String v = table.quote(version.name());
        List<String> set = new ArrayList<>();
        String sql;
        if (postgres) {
            for (String col : cols) {
                if (!schema.primaryKey().contains(col)) {
                    set.add(table.quote(col) + " = EXCLUDED." + table.quote(col));
                }
            }
            sql = "INSERT INTO " + table.sqlName() + " AS t (" + String.join(", ", cols.stream().map(table::quote).toList()) + ") VALUES "
                    + valuesRows(cols, rows.size()) + " ON CONFLICT (" + table.pkList(schema) + ") DO UPDATE SET " + String.join(", ", set)
                    + " WHERE t." + v + " IS NULL OR t." + v + " COLLATE \"C\" < EXCLUDED." + v + " COLLATE \"C\"";
        } else {
            // MariaDB assigns left to right, each assignment seeing the ones before: the guard reads the stored version, so the
            // version column is assigned last (the tombstone flag just before it).
            String guard = "(" + v + " IS NULL OR " + v + " < VALUES(" + v + "))";
            List<String> ordered = new ArrayList<>();
            for (String col : cols) {
                if (!schema.primaryKey().contains(col) && !col.equals(version.name()) && !col.equals(version.tombstone())) {
                    ordered.add(col);
                }
            }
            ordered.add(version.tombstone());
            ordered.add(version.name());
            for (String col : ordered) {
                String q = table.quote(col);
                set.add(q + " = IF(" + guard + ", VALUES(" + q + "), " + q + ")");
            }
            sql = "INSERT INTO " + table.sqlName() + " (" + String.join(", ", cols.stream().map(table::quote).toList()) + ") VALUES "
                    + valuesRows(cols, rows.size()) + " ON DUPLICATE KEY UPDATE " + String.join(", ", set);
        }
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bindRows(p, cols, rows);
            int written = p.executeUpdate();
            if (postgres && written != rows.size()) {
                throw new CutoverException(ErrorCode.TRANSIENT, (rows.size() - written) + " row(s) of " + schema.table()
                        + " changed under the batch");
            }
        }
    }

    /** Rows an outside delete removes: only while they carry no version (as they did when read under their locks). */
    private void deleteUnversionedRows(Connection c, List<Map<String, Object>> pks) throws SQLException {
        List<String> pkCols = schema.primaryKey();
        String tuple = pkCols.size() == 1 ? placeholder(pkCols.get(0))
                : "(" + String.join(", ", pkCols.stream().map(this::placeholder).toList()) + ")";
        String target = pkCols.size() == 1 ? table.quote(pkCols.get(0)) : "(" + table.pkList(schema) + ")";
        String sql = "DELETE FROM " + table.sqlName() + " WHERE " + target + " IN (" + String.join(", ", java.util.Collections.nCopies(
                pks.size(), tuple)) + ") AND " + table.quote(version.name()) + " IS NULL";
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bindRows(p, pkCols, pks);
            int deleted = p.executeUpdate();
            if (deleted != pks.size()) {
                throw new CutoverException(ErrorCode.TRANSIENT, (pks.size() - deleted) + " row(s) of " + schema.table()
                        + " changed under the batch");
            }
        }
    }

    /** Thrown inside a transaction to roll it back when a stored version is at least as new. */
    private static final class NotNewer extends CutoverException {
        NotNewer() {
            super(ErrorCode.CONFLICT, "a stored version is at least as new");
        }
    }

    private void requireSameVersionAttribute(VersionAttribute v) {
        if (!versioned) {
            throw new CutoverException(ErrorCode.UNSUPPORTED, "table " + schema.table() + " has no version columns " + version.name() + " and "
                    + version.tombstone() + ": it takes plain writes only (a restore), not the version rule of a cut-over");
        }
        if (!version.equals(v)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the SQL store of " + schema.table() + " keeps versions in " + version.name()
                    + ", not " + v.name() + ": build it with the same --version-attribute as the client");
        }
    }

    private static boolean newer(String stored, Optional<String> v) {
        return v.isPresent() ? stored == null || stored.compareTo(v.get()) < 0 : stored == null;
    }

    private ItemUpdate parseUpdate(Update update) {
        ItemUpdate u = ItemUpdate.parse(update.expression(), update.names(), update.values());
        for (String a : u.attributes()) {
            if (inverse.isDerived(a) || a.equals(version.name()) || a.equals(version.tombstone())) {
                throw new CutoverException(ErrorCode.REJECTED, "the update sets " + a + ", which " + schema.table() + " derives from its"
                        + " columns (a key, index key or computed attribute) or reserves for versions: update the attributes it is built from");
            }
        }
        return u;
    }

    /** The row of {@code item}, whose key must be the one its columns make (else the row would be read under another key). */
    private Map<String, Object> rowOf(Map<String, AttributeValue> item, Map<String, AttributeValue> key) {
        Map<String, Object> row = inverse.row(item);
        Map<String, AttributeValue> made;
        try {
            made = new TreeMap<>(mapper.key(row));
        } catch (RuntimeException e) {
            throw new CutoverException(ErrorCode.REJECTED, "the item of key " + key + " cannot be a row of " + schema.table() + ": "
                    + e.getMessage());
        }
        if (!made.equals(key)) {
            throw new CutoverException(ErrorCode.REJECTED, "the item's key " + key + " is not the key its attributes make in "
                    + schema.table() + " (" + made + "): set the key attributes from the same values");
        }
        return row;
    }

    // ---- one key inside a transaction ----

    /** What a row holds for a key: the row (null when none), the item when it is this key's, the row's version. */
    private final class Stored {
        final Map<String, Object> row;
        final Map<String, AttributeValue> item;
        final String version;
        final boolean otherKey;

        Stored(Map<String, Object> row, Map<String, AttributeValue> key) {
            this.row = row;
            Map<String, AttributeValue> made = row == null ? null : new TreeMap<>(mapper.key(row));
            this.otherKey = made != null && !made.equals(key);
            this.item = row == null || otherKey ? null : mapper.item(row);
            Object v = row == null ? null : row.get(SqlStore.this.version.name());
            this.version = v == null ? null : v.toString();
        }

        /**
         * The version the version rule compares a write of this key with: the row's, unless the row is the tombstone of
         * another key (a delete of the key the row had before it moved says nothing about this key, whose own changes
         * arrive in order; 0130).
         */
        String versionFor() {
            return otherKey && Boolean.TRUE.equals(row.get(SqlStore.this.version.tombstone())) ? null : version;
        }

        /** Whether a live (not deleted) item of this key is stored. */
        boolean holds() {
            return item != null && !SqlStore.this.version.isTombstone(item);
        }

        Optional<Map<String, AttributeValue>> asItem(Map<String, AttributeValue> key) {
            if (item != null) {
                return Optional.of(item);
            }
            if (otherKey && version != null) {
                Map<String, AttributeValue> t = new HashMap<>(key);
                t.put(SqlStore.this.version.name(), AttributeValue.fromS(version));
                t.put(SqlStore.this.version.tombstone(), AttributeValue.fromBool(true));
                return Optional.of(t);
            }
            return Optional.empty();
        }
    }

    private Stored read(Connection c, Map<String, AttributeValue> key, boolean lock) throws SQLException {
        Map<String, Object> pk = inverse.primaryKey(key);
        StringBuilder sql = new StringBuilder("SELECT ").append(table.columnList(schema)).append(" FROM ").append(table.sqlName());
        sql.append(where(pk.keySet()));
        if (lock) {
            sql.append(" FOR UPDATE");
        }
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            int i = 1;
            for (Map.Entry<String, Object> e : pk.entrySet()) {
                bind(s, i++, e.getKey(), e.getValue());
            }
            try (ResultSet rs = s.executeQuery()) {
                return new Stored(rs.next() ? SqlTable.row(rs, schema) : null, key);
            }
        }
    }

    private String where(Set<String> columns) {
        List<String> parts = new ArrayList<>();
        for (String col : columns) {
            parts.add(table.quote(col) + " = " + placeholder(col));
        }
        return " WHERE " + String.join(" AND ", parts);
    }

    /** Writes {@code row} over what {@code s} read: an UPDATE of the row, or an INSERT when there was none. */
    private void writeRow(Connection c, Stored s, Map<String, Object> row) throws SQLException {
        limits.check(row, schema.columns());
        if (s.row == null) {
            insert(c, row);
            return;
        }
        List<String> set = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        for (String col : schema.columns().keySet()) {
            if (!schema.primaryKey().contains(col)) {
                set.add(table.quote(col) + " = " + placeholder(col));
                cols.add(col);
            }
        }
        cols.addAll(schema.primaryKey());
        try (PreparedStatement p = c.prepareStatement("UPDATE " + table.sqlName() + " SET " + String.join(", ", set)
                + where(new LinkedHashSet<>(schema.primaryKey())))) {
            int i = 1;
            for (String col : cols) {
                bind(p, i++, col, row.get(col));
            }
            p.executeUpdate();
        }
    }

    private void insert(Connection c, Map<String, Object> row) throws SQLException {
        limits.check(row, schema.columns());
        List<String> cols = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, Object> e : row.entrySet()) {
            if (e.getValue() != null || !schema.primaryKey().contains(e.getKey())) {
                cols.add(e.getKey());
                values.add(placeholder(e.getKey()));
            }
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table.sqlName() + " (" + String.join(", ", cols.stream()
                .map(table::quote).toList()) + ") VALUES (" + String.join(", ", values) + ")")) {
            int i = 1;
            for (String col : cols) {
                bind(p, i++, col, row.get(col));
            }
            p.executeUpdate();
        } catch (SQLException e) {
            if (duplicateKey(e)) {
                // Another writer inserted the row after this one found none: do the whole transaction again.
                throw new CutoverException(ErrorCode.TRANSIENT, "a concurrent insert of the same row in " + schema.table(), e);
            }
            throw e;
        }
    }

    private void deleteRow(Connection c, Map<String, AttributeValue> key) throws SQLException {
        Map<String, Object> pk = inverse.primaryKey(key);
        try (PreparedStatement p = c.prepareStatement("DELETE FROM " + table.sqlName() + where(pk.keySet()))) {
            int i = 1;
            for (Map.Entry<String, Object> e : pk.entrySet()) {
                bind(p, i++, e.getKey(), e.getValue());
            }
            p.executeUpdate();
        }
    }

    /** A delete kept as a tombstone: the row keeps its values and takes the version and the flag. */
    private boolean tombstone(Connection c, Map<String, AttributeValue> key, Optional<String> ver, Condition condition, String what)
            throws SQLException {
        Stored s = read(c, key, true);
        if (s.row != null && !s.otherKey) {
            if (!newer(s.version, ver)) {
                if (what.startsWith("write ")) {
                    throw new NotNewer();
                }
                return false;
            }
            check(condition, s, key, what);
            Map<String, Object> row = new LinkedHashMap<>(s.row);
            row.put(version.name(), ver.orElse(null));
            row.put(version.tombstone(), Boolean.TRUE);
            writeRow(c, s, row);
            return true;
        }
        check(condition, s, key, what);
        if (s.row == null && tombstoneInsertable && ver.isPresent()) {
            Map<String, Object> row = new LinkedHashMap<>();
            schema.columns().keySet().forEach(col -> row.put(col, null));
            row.putAll(inverse.keyColumns(key));
            row.put(version.name(), ver.get());
            row.put(version.tombstone(), Boolean.TRUE);
            insert(c, row);
        }
        return true;
    }

    /** Applies an update to what the row holds for the key (nothing, for a tombstone), with the new version. */
    private Map<String, AttributeValue> changeRow(Connection c, Stored s, Map<String, AttributeValue> key, ItemUpdate u, Version newVersion)
            throws SQLException {
        Map<String, AttributeValue> base = s.holds() ? version.visible(s.item).orElseThrow() : key;
        Map<String, Object> row = rowOf(u.applyTo(base), key);
        row.put(version.name(), newVersion.encoded());
        row.put(version.tombstone(), null);
        writeRow(c, s, row);
        return mapper.item(row);
    }

    /** PostgreSQL: the version rule as one statement, the update guarded by the stored version. */
    private boolean upsertIfNewer(Connection c, Map<String, Object> row, boolean versioned) throws SQLException {
        limits.check(row, schema.columns());
        List<String> cols = new ArrayList<>(row.keySet());
        List<String> set = new ArrayList<>();
        for (String col : cols) {
            if (!schema.primaryKey().contains(col)) {
                set.add(table.quote(col) + " = EXCLUDED." + table.quote(col));
            }
        }
        String v = table.quote(version.name());
        String guard = versioned ? "t." + v + " IS NULL OR t." + v + " COLLATE \"C\" < EXCLUDED." + v + " COLLATE \"C\"" : "t." + v + " IS NULL";
        if (versioned) {
            // The tombstone of another key (the row moved away from it) does not hold this write back (see Stored.versionFor).
            List<String> keyCols = mapper.tableKeyColumns().stream().map(table::quote).toList();
            guard += " OR (t." + table.quote(version.tombstone()) + " AND (" + String.join(", ", keyCols.stream().map(k -> "t." + k).toList())
                    + ") IS DISTINCT FROM (" + String.join(", ", keyCols.stream().map(k -> "EXCLUDED." + k).toList()) + "))";
        }
        String sql = "INSERT INTO " + table.sqlName() + " AS t (" + String.join(", ", cols.stream().map(table::quote).toList()) + ") VALUES ("
                + String.join(", ", cols.stream().map(this::placeholder).toList()) + ") ON CONFLICT (" + String.join(", ",
                schema.primaryKey().stream().map(table::quote).toList()) + ") DO UPDATE SET " + String.join(", ", set) + " WHERE " + guard;
        try (PreparedStatement p = c.prepareStatement(sql)) {
            int i = 1;
            for (String col : cols) {
                bind(p, i++, col, row.get(col));
            }
            return p.executeUpdate() == 1;
        }
    }

    // ---- conditions ----

    /**
     * The application's condition on what was read, a deleted item counting as absent. Supported: {@code attribute_exists}
     * and {@code attribute_not_exists} of any attribute, joined by AND; anything else is refused before anything is written.
     */
    private void check(Condition condition, Stored s, Map<String, AttributeValue> key, String what) {
        if (condition == null) {
            return;
        }
        Map<String, AttributeValue> live = s.holds() ? s.item : null;
        for (String term : condition.expression().split("(?i)\\s+AND\\s+")) {
            Matcher m = EXISTS.matcher(term.trim());
            if (!m.matches()) {
                throw new CutoverException(ErrorCode.UNSUPPORTED, "the condition \"" + condition.expression() + "\" cannot be evaluated on "
                        + schema.table() + ": a SQL store supports attribute_exists(a) and attribute_not_exists(a) joined by AND");
            }
            String ref = m.group(2);
            String name = ref.startsWith("#") ? condition.names().get(ref) : ref;
            boolean exists = live != null && live.containsKey(name);
            if (exists == (m.group(1) != null)) {
                throw new CutoverException(ErrorCode.CONDITION_FAILED, "the condition of the " + what + " of " + key + " in " + schema.table()
                        + " was false: nothing was written on either site");
            }
        }
    }

    // ---- values ----

    private String placeholder(String column) {
        if (!postgres) {
            return "?";
        }
        String type = pgTypes.get(column);
        return type == null ? "?" : "CAST(? AS " + type + ")";
    }

    private void bind(PreparedStatement p, int i, String column, Object v) throws SQLException {
        ColumnKind kind = schema.kind(column);
        if (v == null) {
            p.setNull(i, kind == ColumnKind.BINARY && !postgres ? Types.VARBINARY : Types.VARCHAR);
        } else if (v instanceof byte[] b) {
            p.setBytes(i, b);
        } else if (postgres) {
            p.setString(i, pgText(v, kind));
        } else if (v instanceof Instant at) {
            p.setObject(i, LocalDateTime.ofInstant(at, ZoneOffset.UTC)); // sessions run in UTC (SqlEndpoint)
        } else if (v instanceof SqlValues.Json j) {
            p.setString(i, j.text());
        } else if (v instanceof List<?> l) {
            p.setString(i, l.toString());
        } else {
            p.setObject(i, v);
        }
    }

    /** The text PostgreSQL reads back into the column's type through the placeholder's CAST. */
    private static String pgText(Object v, ColumnKind kind) {
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object e : l) {
                parts.add(e == null ? "NULL" : e instanceof List<?> ? pgText(e, kind)
                        : "\"" + SqlValues.text(e, ColumnKind.TEXT).replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
            }
            return "{" + String.join(",", parts) + "}";
        }
        return SqlValues.text(v, kind);
    }

    // ---- connections and transactions ----

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** The connection of the {@link #inOneTransaction} running on this thread, if any. */
    private final ThreadLocal<Connection> bound = new ThreadLocal<>();

    /** A statement failed inside {@link #inOneTransaction}: the whole transaction is lost (PostgreSQL aborts it). */
    private static final class BatchAborted extends RuntimeException {
        BatchAborted(CutoverException cause) {
            super(cause);
        }
    }

    /**
     * Runs {@code body} with every call of this store made on this thread inside one transaction, committed at the end: the
     * SQL writer applies a batch of changes with one commit instead of one each (decision 0200). The calls' own rules hold
     * as inside their own transactions (rows locked as they are read). A transient failure (a deadlock, a race of two
     * inserts) rolls the whole batch back and runs {@code body} again, so it must be repeatable (the version rule makes a
     * change's write so); a statement that fails otherwise rolls it back and throws, and nothing of it was written.
     */
    public <T> T inOneTransaction(String what, java.util.function.Supplier<T> body) {
        if (bound.get() != null) {
            return body.get();
        }
        return retry.execute(what + " " + schema.table(), attempt -> {
            Connection c = borrow();
            boolean broken = true;
            try {
                c.setAutoCommit(false);
                bound.set(c);
                T result = body.get();
                c.commit();
                broken = false;
                return result;
            } catch (SQLException e) {
                rollback(c);
                broken = e.getSQLState() != null && e.getSQLState().startsWith("08");
                throw classify(what, e);
            } catch (BatchAborted e) {
                rollback(c);
                CutoverException cause = (CutoverException) e.getCause();
                broken = cause.getCause() instanceof SQLException q && q.getSQLState() != null && q.getSQLState().startsWith("08");
                throw cause;
            } catch (RuntimeException e) {
                rollback(c);
                broken = false;
                throw e;
            } finally {
                bound.remove();
                release(c, broken);
            }
        }, e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, what + " " + schema.table() + ": " + e, e),
                RetryListener.NONE);
    }

    private <T> T transaction(String what, Work<T> work) {
        Connection batch = bound.get();
        if (batch != null) {
            try {
                return work.run(batch);
            } catch (SQLException e) {
                throw new BatchAborted(classify(what, e));
            } catch (CutoverException e) {
                if (e.code().retryable()) {
                    // a race of two inserts found inside: on PostgreSQL the statement took the transaction with it
                    throw new BatchAborted(e);
                }
                throw e;
            }
        }
        return retry.execute(what + " " + schema.table(), attempt -> {
            Connection c = borrow();
            boolean broken = true;
            try {
                c.setAutoCommit(false);
                T result = work.run(c);
                c.commit();
                broken = false;
                return result;
            } catch (SQLException e) {
                rollback(c);
                broken = e.getSQLState() != null && e.getSQLState().startsWith("08");
                throw classify(what, e);
            } catch (RuntimeException e) {
                rollback(c);
                broken = false;
                throw e;
            } finally {
                release(c, broken);
            }
        }, e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, what + " " + schema.table() + ": " + e, e),
                RetryListener.NONE);
    }

    private Connection borrow() {
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            try {
                if (!c.isClosed()) {
                    return c;
                }
            } catch (SQLException e) {
                // closed: take another
            }
        }
        Connection fresh = table.endpoint().connect();
        if (!postgres) {
            // InnoDB's REPEATABLE READ takes gap locks on SELECT ... FOR UPDATE of an absent row, so writers of neighbouring new
            // keys deadlock each other (and back off); under READ COMMITTED an existing row is still locked, and two inserters of
            // one absent key meet a duplicate key, which is retried (decision 0200).
            try {
                fresh.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            } catch (SQLException e) {
                closeQuietly(fresh);
                throw table.failure("set READ COMMITTED", e);
            }
        }
        return fresh;
    }

    private void release(Connection c, boolean broken) {
        if (broken || closed || idle.size() >= MAX_IDLE) {
            closeQuietly(c);
        } else {
            idle.offerFirst(c);
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is gone; it is dropped on release
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // nothing to do
        }
    }

    private static boolean duplicateKey(SQLException e) {
        return "23505".equals(e.getSQLState()) || e.getErrorCode() == 1062;
    }

    private CutoverException classify(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean transientFailure = state.startsWith("08") || state.equals("40001") || state.equals("40P01") || state.equals("55P03")
                || state.equals("57P01") || e.getErrorCode() == 1205 || e.getErrorCode() == 1213
                || e instanceof java.sql.SQLTransientException || e instanceof java.sql.SQLRecoverableException;
        ErrorCode code = transientFailure ? ErrorCode.TRANSIENT : state.equals("42P01") || state.equals("42S02") ? ErrorCode.TABLE_NOT_FOUND
                : ErrorCode.REJECTED;
        return new CutoverException(code, "cannot " + what + " " + schema.table() + " on " + table.endpoint().describe() + ": "
                + e.getMessage(), e);
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            closeQuietly(c);
        }
    }
}
