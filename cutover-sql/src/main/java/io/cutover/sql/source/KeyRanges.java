package io.cutover.sql.source;

import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.mapping.TableSchema;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a table into primary-key ranges on its first key column without loading the keys: an integer
 * column is cut evenly between its MIN and MAX; any other column at the boundaries of
 * {@code ntile(n) OVER (ORDER BY column)}, which the server computes and returns as n rows.
 */
public final class KeyRanges {
    private KeyRanges() {
    }

    /**
     * The upper bounds (inclusive) of every range but the last, on the first primary key column. Kept
     * with the migration's state, so that a resumed backfill uses the same ranges as its checkpoints.
     */
    public static List<Object> bounds(SqlTable table, TableSchema schema, int ranges) {
        String first = schema.primaryKey().get(0);
        ColumnKind kind = schema.kind(first);
        List<Object> bounds = new ArrayList<>(); // upper bounds (inclusive) of all ranges but the last
        String col = table.quote(first);
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            if (kind == ColumnKind.INTEGER) {
                try (ResultSet rs = s.executeQuery("SELECT MIN(" + col + "), MAX(" + col + ") FROM " + table.sqlName())) {
                    rs.next();
                    if (rs.getObject(1) != null && ranges > 1) {
                        BigDecimal min = new BigDecimal(rs.getObject(1).toString());
                        BigDecimal max = new BigDecimal(rs.getObject(2).toString());
                        BigDecimal step = max.subtract(min).divide(BigDecimal.valueOf(ranges), 0, java.math.RoundingMode.FLOOR);
                        if (step.signum() > 0) {
                            for (int i = 1; i < ranges; i++) {
                                bounds.add(SqlValues.canonical(min.add(step.multiply(BigDecimal.valueOf(i))), ColumnKind.INTEGER));
                            }
                        }
                    }
                }
            } else if (ranges > 1) {
                try (ResultSet rs = s.executeQuery("SELECT MAX(" + col + ") FROM (SELECT " + col + ", ntile(" + ranges + ") OVER (ORDER BY "
                        + col + ") AS cutover_bucket FROM " + table.sqlName() + ") b GROUP BY cutover_bucket ORDER BY 1")) {
                    TableSchema one = new TableSchema(schema.table(), java.util.Map.of(first, kind), List.of(first));
                    while (rs.next()) {
                        bounds.add(SqlTable.row(rs, one).get(first));
                    }
                    if (!bounds.isEmpty()) {
                        bounds.remove(bounds.size() - 1); // the last bucket's max is the table's max: the last range is open
                    }
                }
            }
        } catch (SQLException e) {
            throw table.failure("split " + schema.table() + " into key ranges", e);
        }
        return new ArrayList<>(new java.util.LinkedHashSet<>(bounds));
    }

    /** The units for {@code bounds} (see {@link #bounds}). */
    public static List<KeyRangeUnit> units(SqlTable table, RowMapper mapper, List<Object> bounds, int pageSize, DeadLetterSink deadLetters) {
        List<KeyRangeUnit> units = new ArrayList<>();
        Object lower = null;
        for (int i = 0; i <= bounds.size(); i++) {
            Object upper = i < bounds.size() ? bounds.get(i) : null;
            units.add(new KeyRangeUnit(String.format("range-%04d", i), table, mapper, lower, upper, pageSize, deadLetters));
            lower = upper;
        }
        return units;
    }
}
