package io.cutover.sql.source;

import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.verify.VerifySide;
import io.cutover.sql.mapping.MappingException;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.mapping.UnmappableRowException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A SQL table seen through its mapping, as one side of {@code cutover verify}: its key ranges yield the
 * items the mapping makes, and a key is looked up by reading the primary key back out of the key
 * templates and selecting that row. Thread-safe: every lookup uses its own connection.
 */
public final class SqlVerifySide implements VerifySide {
    private final SqlTable table;
    private final RowMapper mapper;
    private final DeadLetterSink unmappable;

    public SqlVerifySide(SqlTable table, RowMapper mapper, DeadLetterSink unmappable) {
        if (!mapper.canReadBackPrimaryKey()) {
            throw new MappingException("verify needs every primary key column " + mapper.schema().primaryKey() + " in mapping.partitionKey or"
                    + " mapping.sortKey without a lossy formatter (none, iso, or %0Nd), to look rows up by item key");
        }
        this.table = table;
        this.mapper = mapper;
        this.unmappable = unmappable;
    }

    @Override
    public String describe() {
        return "source table " + table.qualifiedName() + " at " + table.endpoint().describe();
    }

    @Override
    public List<KeyRangeUnit> units(int segments) {
        return KeyRanges.units(table, mapper, KeyRanges.bounds(table, mapper.schema(), segments), 1000, unmappable);
    }

    @Override
    public Map<String, AttributeValue> lookup(Map<String, AttributeValue> key) {
        Map<String, Object> pk = mapper.primaryKeyOf(key);
        if (pk == null) {
            return null;
        }
        TableSchema schema = mapper.schema();
        StringBuilder sql = new StringBuilder("SELECT ").append(table.columnList(schema)).append(" FROM ").append(table.sqlName()).append(" WHERE ");
        List<String> cols = new ArrayList<>(pk.keySet());
        for (int i = 0; i < cols.size(); i++) {
            sql.append(i == 0 ? "" : " AND ").append(table.quote(cols.get(i))).append(" = ?");
        }
        try (Connection c = table.endpoint().connect(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < cols.size(); i++) {
                KeyRangeUnit.bind(s, i + 1, pk.get(cols.get(i)), schema.kind(cols.get(i)));
            }
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, AttributeValue> item = mapper.item(SqlTable.row(rs, schema));
                for (String a : mapper.keyAttributeNames()) {
                    if (!item.get(a).equals(key.get(a))) {
                        return null; // the row now maps to another key
                    }
                }
                return item;
            }
        } catch (SQLException e) {
            throw table.failure("look up " + pk + " in " + table.qualifiedName(), e);
        } catch (UnmappableRowException e) {
            return null;
        }
    }

    @Override
    public long estimatedItems() {
        return table.count();
    }
}
