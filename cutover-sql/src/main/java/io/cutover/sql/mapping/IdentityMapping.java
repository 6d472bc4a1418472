package io.cutover.sql.mapping;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;

/**
 * The mapping of a SQL-to-SQL replication when none is given (docs/decisions/0200): every column an attribute of its own
 * name, NULLs kept, timestamps as ISO text, and the primary key (one or two columns) held reversibly by the key attributes
 * {@value #PARTITION_KEY} ({@code ${first}}) and {@value #SORT_KEY} ({@code ${second}}). The items are only the carrier
 * between the two engines' rows; their key attributes are never stored.
 */
public final class IdentityMapping {
    public static final String PARTITION_KEY = "_pk";
    public static final String SORT_KEY = "_sk";

    private IdentityMapping() {
    }

    public static Mapping of(TableSchema schema) {
        if (schema.primaryKey().size() > 2) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "table " + schema.table() + " has a primary key of "
                    + schema.primaryKey().size() + " columns " + schema.primaryKey() + "; the mapping made without --mapping holds two:"
                    + " pass a --mapping whose key templates hold every primary key column (docs/sql.md)");
        }
        for (String c : schema.columns().keySet()) {
            if (c.equals(PARTITION_KEY) || c.equals(SORT_KEY)) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "table " + schema.table() + " has a column named " + c
                        + ", which the mapping made without --mapping uses as a key attribute: pass a --mapping (docs/sql.md)");
            }
        }
        StringBuilder yaml = new StringBuilder("mapping:\n");
        yaml.append("  partitionKey: { attribute: ").append(PARTITION_KEY).append(", template: \"${")
                .append(schema.primaryKey().get(0)).append("}\" }\n");
        if (schema.primaryKey().size() == 2) {
            yaml.append("  sortKey: { attribute: ").append(SORT_KEY).append(", template: \"${").append(schema.primaryKey().get(1))
                    .append("}\" }\n");
        }
        yaml.append("  nulls: keep\n");
        return Mapping.fromYaml(yaml.toString(), "(the identity mapping of " + schema.table() + ")");
    }
}
