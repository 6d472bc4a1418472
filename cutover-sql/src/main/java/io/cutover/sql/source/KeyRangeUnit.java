package io.cutover.sql.source;

import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.mapping.UnmappableRowException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One primary-key range of a SQL table, read with keyset pagination: {@code WHERE first_pk > lower AND
 * first_pk <= upper AND (pk...) > (last...) ORDER BY pk... LIMIT n}; never OFFSET. Rows are mapped to
 * items on the way; a row the mapping cannot turn into an item goes to the dead-letter file with the reason.
 * Each page opens a short connection from the unit's own one-connection cache.
 */
public final class KeyRangeUnit implements SnapshotUnit, AutoCloseable {
    private final String id;
    private final SqlTable table;
    private final TableSchema schema;
    private final RowMapper mapper;
    /** Bounds on the first primary key column; null for open. */
    private final Object lowerExclusive;
    private final Object upperInclusive;
    private final int pageSize;
    private final DeadLetterSink deadLetters;
    private static final io.cutover.core.retry.RetryPolicy READ_RETRY = io.cutover.core.retry.RetryPolicy.defaults();
    private Connection connection;

    public KeyRangeUnit(String id, SqlTable table, RowMapper mapper, Object lowerExclusive, Object upperInclusive, int pageSize,
                        DeadLetterSink deadLetters) {
        this.id = id;
        this.table = table;
        this.schema = mapper.schema();
        this.mapper = mapper;
        this.lowerExclusive = lowerExclusive;
        this.upperInclusive = upperInclusive;
        this.pageSize = pageSize;
        this.deadLetters = deadLetters;
    }

    /**
     * A range read as raw rows only ({@link #readRows}), for a reader that makes its own items of them (the verify of two
     * SQL tables); {@link #readPage} needs a mapper and refuses.
     */
    public KeyRangeUnit(String id, SqlTable table, TableSchema schema, Object lowerExclusive, Object upperInclusive, int pageSize) {
        this.id = id;
        this.table = table;
        this.schema = schema;
        this.mapper = null;
        this.lowerExclusive = lowerExclusive;
        this.upperInclusive = upperInclusive;
        this.pageSize = pageSize;
        this.deadLetters = null;
    }

    @Override
    public String id() {
        return id;
    }

    public Object lowerExclusive() {
        return lowerExclusive;
    }

    public Object upperInclusive() {
        return upperInclusive;
    }

    @Override
    public Page readPage(Position after) {
        if (mapper == null) {
            throw new IllegalStateException("key range " + id + " reads raw rows only (readRows)");
        }
        List<Object> lastKey = after == null ? null : ((KeysetPosition) after).lastKey();
        // A dropped connection is retried on a new one (readRows closes the broken one), like a DynamoDB Scan page.
        List<Map<String, Object>> rows = READ_RETRY.execute("read key range " + id, a -> readRows(lastKey),
                e -> e instanceof io.cutover.core.CutoverException ce ? ce
                        : new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.TRANSIENT, String.valueOf(e), e),
                io.cutover.core.retry.RetryListener.NONE);
        List<Map<String, AttributeValue>> items = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            try {
                items.add(mapper.item(row));
            } catch (UnmappableRowException e) {
                Map<String, AttributeValue> pk = new LinkedHashMap<>();
                for (String c : schema.primaryKey()) {
                    pk.put(c, AttributeValue.fromS(String.valueOf(row.get(c))));
                }
                deadLetters.accept(schema.table(), pk, "row cannot be mapped: " + e.getMessage());
            }
        }
        if (rows.size() < pageSize) {
            close(); // the range is done: give its connection back now
            return new Page(items, null);
        }
        Map<String, Object> last = rows.get(rows.size() - 1);
        List<Object> key = new ArrayList<>();
        for (String c : schema.primaryKey()) {
            key.add(last.get(c));
        }
        return new Page(items, new KeysetPosition(key));
    }

    /** The raw rows after {@code lastKey} (null: from the start of the range). */
    public List<Map<String, Object>> readRows(List<Object> lastKey) {
        StringBuilder sql = new StringBuilder("SELECT ").append(table.columnList(schema)).append(" FROM ").append(table.sqlName());
        List<Object> params = new ArrayList<>();
        List<String> where = new ArrayList<>();
        String first = table.quote(schema.primaryKey().get(0));
        List<ColumnKind> kinds = new ArrayList<>();
        ColumnKind firstKind = schema.kind(schema.primaryKey().get(0));
        if (lowerExclusive != null) {
            where.add(first + " > ?");
            params.add(lowerExclusive);
            kinds.add(firstKind);
        }
        if (upperInclusive != null) {
            where.add(first + " <= ?");
            params.add(upperInclusive);
            kinds.add(firstKind);
        }
        if (lastKey != null) {
            StringBuilder cols = new StringBuilder("(");
            StringBuilder marks = new StringBuilder("(");
            for (int i = 0; i < schema.primaryKey().size(); i++) {
                cols.append(i == 0 ? "" : ", ").append(table.quote(schema.primaryKey().get(i)));
                marks.append(i == 0 ? "?" : ", ?");
                params.add(lastKey.get(i));
                kinds.add(schema.kind(schema.primaryKey().get(i)));
            }
            where.add(cols.append(')') + " > " + marks.append(')'));
        }
        if (!where.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", where));
        }
        sql.append(" ORDER BY ").append(table.pkList(schema)).append(" LIMIT ").append(pageSize);
        synchronized (this) {
            try {
                if (connection == null || connection.isClosed()) {
                    connection = table.endpoint().connect();
                }
                try (PreparedStatement s = connection.prepareStatement(sql.toString())) {
                    for (int i = 0; i < params.size(); i++) {
                        bind(s, i + 1, params.get(i), kinds.get(i));
                    }
                    List<Map<String, Object>> rows = new ArrayList<>(pageSize);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            rows.add(SqlTable.row(rs, schema));
                        }
                    }
                    return rows;
                }
            } catch (SQLException e) {
                closeQuietly();
                throw table.failure("read key range " + id + " of " + schema.table(), e);
            }
        }
    }

    /** Binds a canonical value; UUID columns need a UUID (PostgreSQL has no uuid = varchar). */
    public static void bind(PreparedStatement s, int i, Object v, ColumnKind kind) throws SQLException {
        if (kind == ColumnKind.UUID && v instanceof String text && s.getConnection().getMetaData().getURL().startsWith("jdbc:postgresql")) {
            s.setObject(i, java.util.UUID.fromString(text));
        } else if (v instanceof Instant at) {
            s.setTimestamp(i, Timestamp.from(at));
        } else {
            s.setObject(i, v);
        }
    }

    @Override
    public Position decode(String encoded) {
        return KeysetPosition.decode(encoded);
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already failing
        }
        connection = null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
