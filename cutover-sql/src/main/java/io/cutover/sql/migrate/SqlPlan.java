package io.cutover.sql.migrate;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.MappingException;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.mapping.UnmappableRowException;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover plan}: checks that a mapping can work on a table and shows what it makes. Refuses
 * (a {@link MappingException}, exit code 2) a mapping that references unknown columns, a key that does
 * not hold the whole primary key, a key built from columns a delete event will not carry, or a sample in
 * which two rows map to the same key; refuses (exit 3) a source whose changes cannot be captured.
 */
public final class SqlPlan {
    private SqlPlan() {
    }

    /** What plan prints; the same record for text and JSON output. */
    public record Result(String source, String sourceTable, String targetTable, long rows, List<String> primaryKey, List<String> keySchema,
                         List<String> indexes, String ttl, Map<String, String> attributes, List<String> samples, List<String> warnings,
                         List<String> created) {
    }

    /** Checks the mapping against the table (and its capture settings) and returns the bound mapper. */
    public static RowMapper check(SqlTable table, Mapping mapping, int sample, List<String> warnings) {
        checkCapturable(table);
        TableSchema schema = table.schema();
        RowMapper mapper = mapping.bind(schema);
        Optional<String> limit = table.oldImageLimit();
        Set<String> beyondPk = new LinkedHashSet<>(mapper.tableKeyColumns());
        beyondPk.removeAll(schema.primaryKey());
        if (limit.isPresent() && !beyondPk.isEmpty()) {
            throw new MappingException("the table key uses column(s) " + beyondPk + ", which are not in the primary key " + schema.primaryKey()
                    + ", and " + limit.get() + ". Without the old values a delete, or an update that moves a row to another key, cannot"
                    + " find the item to remove. Fix the source, or build mapping.partitionKey/sortKey from primary key columns only");
        }
        if (limit.isPresent() && table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
            List<String> toastable = table.toastableColumns();
            toastable.removeAll(schema.primaryKey());
            if (!toastable.isEmpty()) {
                throw new MappingException(limit.get() + ". Its column(s) " + toastable + " can be TOASTed, and PostgreSQL leaves an unchanged"
                        + " TOASTed value out of an UPDATE event, so every such update would be dead-lettered instead of applied");
            }
        }
        if (sample > 0) {
            Map<Map<String, AttributeValue>, Map<String, Object>> seen = new HashMap<>();
            for (Map<String, Object> row : table.sample(schema, sample)) {
                Map<String, AttributeValue> key;
                try {
                    key = mapper.key(row);
                } catch (UnmappableRowException e) {
                    warnings.add("row " + pk(row, schema) + " cannot be mapped (it will be dead-lettered): " + e.getMessage());
                    continue;
                }
                Map<String, Object> other = seen.put(key, row);
                if (other != null) {
                    throw new MappingException("rows " + pk(other, schema) + " and " + pk(row, schema) + " both map to the key "
                            + DynamoDbJson.write(key) + ": make mapping.partitionKey/sortKey unique per row (include the primary key)");
                }
            }
        }
        return mapper;
    }

    private static String pk(Map<String, Object> row, TableSchema schema) {
        List<String> parts = new ArrayList<>();
        for (String c : schema.primaryKey()) {
            parts.add(c + "=" + row.get(c));
        }
        return "(" + String.join(", ", parts) + ")";
    }

    /** PostgreSQL must run with wal_level=logical; MySQL's binlog is checked with the row image. */
    static void checkCapturable(SqlTable table) {
        if (table.endpoint().flavor() != SqlEndpoint.Flavor.POSTGRESQL) {
            return;
        }
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                throw new CutoverException(ErrorCode.UNSUPPORTED, table.endpoint().describe() + " has wal_level=" + rs.getString(1)
                        + ": change capture needs wal_level=logical (set it in postgresql.conf, or ALTER SYSTEM SET wal_level = logical, and restart)");
            }
        } catch (SQLException e) {
            throw table.failure("read wal_level", e);
        }
    }

    /** Runs the checks and builds the report, with up to {@code show} mapped sample rows. */
    public static Result plan(SqlTable table, Mapping mapping, String targetTable, int sample, int show) {
        return plan(table, mapping, targetTable, sample, show, false);
    }

    /**
     * {@link #plan}; with {@code reversible} (a phased cut-over with a way back, {@code plan --reversible}) the mapping must
     * also read backwards: a column no attribute and no reversible key template holds is refused, naming the column and
     * the attributes that lose it (docs/decisions/0130-sql-store-and-reverse-into-sql.md).
     */
    public static Result plan(SqlTable table, Mapping mapping, String targetTable, int sample, int show, boolean reversible) {
        List<String> warnings = new ArrayList<>();
        RowMapper mapper = check(table, mapping, sample, warnings);
        if (reversible) {
            List<String> problems = io.cutover.sql.store.InverseMapping.problems(mapper);
            if (!problems.isEmpty()) {
                throw new MappingException("the mapping cannot be read backwards, so SQL cannot be a site of a reversible cut-over: "
                        + String.join("; ", problems));
            }
        }
        TableSchema schema = mapper.schema();
        List<String> keySchema = new ArrayList<>();
        keySchema.add(mapping.partitionKey().attribute() + " (" + mapping.partitionKey().type() + ", partition key) = " + mapping.partitionKey().template());
        mapping.sortKey().ifPresent(k -> keySchema.add(k.attribute() + " (" + k.type() + ", sort key) = " + k.template()));
        List<String> indexes = new ArrayList<>();
        for (Mapping.Index ix : mapping.indexes()) {
            indexes.add(ix.name() + ": " + ix.partitionKey().attribute() + " = " + ix.partitionKey().template()
                    + ix.sortKey().map(k -> ", " + k.attribute() + " = " + k.template()).orElse("") + ", projection " + ix.projection()
                    + (ix.nonKeyAttributes().isEmpty() ? "" : " " + ix.nonKeyAttributes()));
        }
        String ttl = mapping.ttl().map(t -> t + " = " + mapping.computed().stream().filter(k -> k.attribute().equals(t)).findFirst()
                .map(k -> k.template().text()).orElse("?")).orElse(null);
        List<String> samples = new ArrayList<>();
        for (Map<String, Object> row : table.sample(schema, show)) {
            try {
                samples.add(DynamoDbJson.write(mapper.item(row)));
            } catch (UnmappableRowException e) {
                samples.add("(row " + pk(row, schema) + " cannot be mapped: " + e.getMessage() + ")");
            }
        }
        return new Result(table.endpoint().describe(), table.qualifiedName(), targetTable, table.count(), schema.primaryKey(), keySchema, indexes,
                ttl, mapper.attributes(), samples, warnings, List.of());
    }

    public static Result withCreated(Result r, List<String> created) {
        return new Result(r.source(), r.sourceTable(), r.targetTable(), r.rows(), r.primaryKey(), r.keySchema(), r.indexes(), r.ttl(),
                r.attributes(), r.samples(), r.warnings(), created);
    }
}
