package io.cutover.sql.verify;

import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.verify.VerifySide;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.source.KeyRangeUnit;
import io.cutover.sql.source.KeyRanges;
import io.cutover.sql.source.KeysetPosition;
import io.cutover.sql.source.SqlTable;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One table of a SQL pair as a side of the bucketed verify ({@link io.cutover.core.verify.Verifier}): its live rows (a row
 * whose tombstone column is true counts as absent) read in primary-key ranges a page at a time, each an item of the
 * compared columns, every value normalised by {@link SqlPairVerification#normalise} so that the two engines' forms of one
 * value are the same attribute; the primary key columns are the item's key. Memory: the pages in flight, never the table.
 * Thread-safe: units are read one thread each; every lookup uses its own connection.
 */
final class NormalisedRowsSide implements VerifySide {
    static final int PAGE = 1000;

    private final String role;
    private final SqlTable table;
    private final TableSchema schema;
    private final List<String> columns;
    private final List<String> key;
    private final String tombstoneColumn;

    /**
     * @param role            "source" or "target", for messages
     * @param columns         the columns compared (both tables have them), the key columns among them
     * @param key             the primary key columns the two tables share
     * @param tombstoneColumn a boolean column that marks a deleted row, or null
     */
    NormalisedRowsSide(String role, SqlTable table, List<String> columns, List<String> key, String tombstoneColumn) {
        this.role = role;
        this.table = table;
        this.schema = table.schema();
        this.columns = List.copyOf(columns);
        this.key = List.copyOf(key);
        this.tombstoneColumn = tombstoneColumn != null && schema.kind(tombstoneColumn) != null ? tombstoneColumn : null;
    }

    @Override
    public String describe() {
        return role + " table " + table.qualifiedName() + " at " + table.endpoint().describe();
    }

    @Override
    public List<? extends SnapshotUnit> units(int segments) {
        List<Object> bounds = KeyRanges.bounds(table, schema, segments);
        List<SnapshotUnit> units = new ArrayList<>();
        Object lower = null;
        for (int i = 0; i <= bounds.size(); i++) {
            Object upper = i < bounds.size() ? bounds.get(i) : null;
            units.add(new Range(new KeyRangeUnit(String.format("range-%04d", i), table, schema, lower, upper, PAGE)));
            lower = upper;
        }
        return units;
    }

    /** A key range's rows as items, tombstones left out. */
    private final class Range implements SnapshotUnit {
        private final KeyRangeUnit rows;

        Range(KeyRangeUnit rows) {
            this.rows = rows;
        }

        @Override
        public String id() {
            return rows.id();
        }

        @Override
        public Page readPage(Position after) {
            List<Map<String, Object>> page = rows.readRows(after == null ? null : ((KeysetPosition) after).lastKey());
            List<Map<String, AttributeValue>> items = new ArrayList<>(page.size());
            for (Map<String, Object> row : page) {
                Map<String, AttributeValue> item = item(row);
                if (item != null) {
                    items.add(item);
                }
            }
            if (page.size() < PAGE) {
                rows.close();
                return new Page(items, null);
            }
            Map<String, Object> last = page.get(page.size() - 1);
            List<Object> lastKey = new ArrayList<>();
            for (String c : schema.primaryKey()) {
                lastKey.add(last.get(c));
            }
            return new Page(items, new KeysetPosition(lastKey));
        }

        @Override
        public Position decode(String encoded) {
            return KeysetPosition.decode(encoded);
        }
    }

    /** The row as the compared item, or null when its tombstone column marks it deleted. */
    Map<String, AttributeValue> item(Map<String, Object> row) {
        if (tombstoneColumn != null && Boolean.TRUE.equals(row.get(tombstoneColumn))) {
            return null;
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        for (String c : columns) {
            item.put(c, attribute(SqlPairVerification.normalise(row.get(c), schema.kind(c))));
        }
        return item;
    }

    /** A normalised value as an attribute: text, a boolean, a JSON tree as it is, a list, NULL. */
    static AttributeValue attribute(Object normal) {
        if (normal == null) {
            return AttributeValue.fromNul(true);
        }
        if (normal instanceof AttributeValue a) {
            return a;
        }
        if (normal instanceof Boolean b) {
            return AttributeValue.fromBool(b);
        }
        if (normal instanceof List<?> l) {
            return AttributeValue.fromL(l.stream().map(NormalisedRowsSide::attribute).toList());
        }
        return AttributeValue.fromS(normal.toString());
    }

    @Override
    public Map<String, AttributeValue> lookup(Map<String, AttributeValue> itemKey) {
        StringBuilder sql = new StringBuilder("SELECT ").append(table.columnList(schema)).append(" FROM ").append(table.sqlName())
                .append(" WHERE ");
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            String c = key.get(i);
            AttributeValue v = itemKey.get(c);
            Object bound = v == null || v.s() == null ? null : bindable(v.s(), schema.kind(c));
            if (bound == null) {
                return null; // no row of this table has that key
            }
            sql.append(i == 0 ? "" : " AND ").append(table.quote(c)).append(" = ?");
            values.add(bound);
        }
        try (Connection c = table.endpoint().connect(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < values.size(); i++) {
                KeyRangeUnit.bind(s, i + 1, values.get(i), schema.kind(key.get(i)));
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? item(SqlTable.row(rs, schema)) : null;
            }
        } catch (SQLException e) {
            throw table.failure("look up " + itemKey + " in " + table.qualifiedName(), e);
        }
    }

    /** The value to select a key column by, from its normalised text (the inverse of normalise for key types). */
    private static Object bindable(String text, ColumnKind kind) {
        try {
            return switch (kind) {
                case INTEGER -> SqlValues.canonical(new BigDecimal(text), ColumnKind.INTEGER);
                case DECIMAL -> new BigDecimal(text);
                case FLOAT -> Double.parseDouble(text);
                case TEXT, UUID -> text;
                case DATE -> LocalDate.parse(text);
                case TIME -> LocalTime.parse(text);
                case TIMESTAMP -> LocalDateTime.ofInstant(Instant.parse(text), ZoneOffset.UTC);
                case TIMESTAMPTZ -> Instant.parse(text);
                case BINARY -> text.startsWith("0x") ? HexFormat.of().parseHex(text.substring(2)) : null;
                default -> null;
            };
        } catch (RuntimeException notThisType) {
            return null; // the other table's key column has another type, and this value cannot be one of this table's
        }
    }

    @Override
    public long estimatedItems() {
        return -1;
    }
}
