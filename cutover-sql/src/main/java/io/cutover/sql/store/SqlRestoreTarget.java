package io.cutover.sql.store;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.RestoreTarget;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.verify.VerifySide;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlVerifySide;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A PostgreSQL or MySQL/MariaDB table as the target of {@code restore --into-source} (docs/decisions/0180): items go in
 * through the {@link SqlStore} (the mapping read backwards, {@link InverseMapping}), a page per transaction, and the table
 * is read back through the forward mapping. The table must exist with the source's columns: a restore does not guess
 * column types from items. With the version columns ({@code cutover_v}, {@code cutover_v_deleted}) the rows keep the
 * archive's versions, and a tombstone item becomes the store's tombstone row where one can be kept. Thread-safe.
 */
public final class SqlRestoreTarget implements RestoreTarget {
    private final SqlStore store;
    private final String describe;

    public SqlRestoreTarget(SqlEndpoint endpoint, String tableName, Mapping mapping, VersionAttribute version) {
        SqlStore s;
        try {
            s = SqlStore.forRestore(endpoint, tableName, mapping, version);
        } catch (CutoverException e) {
            if (e.code() != ErrorCode.TABLE_NOT_FOUND) {
                throw e;
            }
            throw new CutoverException(ErrorCode.TABLE_NOT_FOUND, "--target-table " + tableName + " not found on " + endpoint.describe()
                    + ": a restore into SQL writes into an existing table with the source table's columns and primary key; create it"
                    + " first (PostgreSQL: CREATE TABLE " + tableName + " (LIKE source_table INCLUDING ALL); MySQL/MariaDB: CREATE TABLE "
                    + tableName + " LIKE source_table)", e);
        }
        this.store = s;
        this.describe = "table " + s.table().qualifiedName() + " on " + endpoint.describe();
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public List<String> keyNames() {
        return store.keyNames();
    }

    @Override
    public Optional<VersionAttribute> versions() {
        return store.versioned() ? Optional.of(store.versionAttribute()) : Optional.empty();
    }

    @Override
    public long count() {
        return store.table().count();
    }

    @Override
    public void prepare() {
        // The table exists (checked when built) and a restore creates nothing in a SQL database.
    }

    @Override
    public void write(List<Map<String, AttributeValue>> items) {
        List<Map<String, AttributeValue>> live = new ArrayList<>(items.size());
        List<Map<String, AttributeValue>> tombstones = new ArrayList<>();
        for (Map<String, AttributeValue> item : items) {
            (store.versioned() && store.versionAttribute().isTombstone(item) ? tombstones : live).add(item);
        }
        if (!live.isEmpty()) {
            store.putAll(live);
        }
        // A tombstone the row cannot keep (NOT NULL columns the key does not hold) is written nowhere, as the store does
        // for a delete of an absent row (0130); verify compares live items only then.
        tombstones.forEach(t -> store.putIfNewer(t, store.versionAttribute(), null));
    }

    @Override
    public void delete(Map<String, AttributeValue> key) {
        store.purge(key);
    }

    @Override
    public VerifySide side() {
        return new SqlVerifySide(store.table(), store.mapper(), new Unreadable());
    }

    @Override
    public void close() {
        store.close();
    }

    /** A row the forward mapping cannot read: the restore cannot tell what it is, so it stops naming it. */
    private final class Unreadable implements DeadLetterSink {
        @Override
        public void accept(String table, Map<String, AttributeValue> item, String reason) {
            throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "a row of " + describe + " (" + item + ") cannot be read through the"
                    + " mapping: " + reason + ". Delete or fix it, or restore into an empty table");
        }

        @Override
        public long count() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
