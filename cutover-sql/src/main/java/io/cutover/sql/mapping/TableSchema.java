package io.cutover.sql.mapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A source table as the mapping sees it: its columns in order with their kinds, and its primary key.
 *
 * @param table      the table name as the user wrote it (may be schema-qualified)
 * @param columns    every column, in table order
 * @param primaryKey the primary key columns, in key order; never empty (a table without one is refused)
 */
public record TableSchema(String table, Map<String, ColumnKind> columns, List<String> primaryKey) {
    public TableSchema {
        Objects.requireNonNull(table, "table");
        columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        primaryKey = List.copyOf(primaryKey);
    }

    public ColumnKind kind(String column) {
        return columns.get(column);
    }
}
