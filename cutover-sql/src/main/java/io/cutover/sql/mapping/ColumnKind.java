package io.cutover.sql.mapping;

import java.util.Locale;

/**
 * What a source column holds, as far as the mapping cares; decided once from the column's SQL type
 * so that a value read by the backfill (JDBC) and the same value read by capture (Debezium) map to
 * the same DynamoDB attribute. See docs/sql.md for the table of types.
 */
public enum ColumnKind {
    INTEGER, DECIMAL, FLOAT, BOOLEAN, TEXT, UUID, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, JSON, BINARY, ARRAY;

    /**
     * The kind of a column from its database type name (PostgreSQL udt name or MySQL COLUMN_TYPE).
     * MySQL's TIMESTAMP is an instant (stored in UTC), PostgreSQL's "timestamp" a local date-time.
     */
    public static ColumnKind fromSqlType(String typeName, boolean mysql) {
        String t = typeName.toLowerCase(Locale.ROOT).trim();
        if (t.startsWith("interval")) {
            return TEXT;
        }
        if (t.startsWith("_") || t.endsWith("[]") || t.equals("array")) {
            return ARRAY;
        }
        if (t.startsWith("tinyint(1)") || t.equals("bool") || t.equals("boolean") || t.equals("bit") || t.startsWith("bit(1)")) {
            return BOOLEAN;
        }
        if (t.startsWith("int") || t.startsWith("smallint") || t.startsWith("bigint") || t.startsWith("tinyint")
                || t.startsWith("mediumint") || t.equals("serial") || t.equals("bigserial") || t.equals("smallserial")
                || t.startsWith("year")) {
            return INTEGER;
        }
        if (t.startsWith("numeric") || t.startsWith("decimal")) {
            return DECIMAL;
        }
        if (t.startsWith("float") || t.startsWith("double") || t.startsWith("real")) {
            return FLOAT;
        }
        if (t.equals("uuid")) {
            return UUID;
        }
        if (t.equals("date")) {
            return DATE;
        }
        if (t.startsWith("timestamptz") || t.startsWith("timestamp with time zone") || (mysql && t.startsWith("timestamp"))) {
            return TIMESTAMPTZ;
        }
        if (t.startsWith("timestamp") || t.startsWith("datetime")) {
            return TIMESTAMP;
        }
        if (t.startsWith("time") && !t.contains("with time zone") && !t.startsWith("timetz")) {
            return TIME;
        }
        if (t.equals("json") || t.equals("jsonb") || t.startsWith("json")) {
            return JSON;
        }
        if (t.equals("bytea") || t.contains("blob") || t.startsWith("binary") || t.startsWith("varbinary")) {
            return BINARY;
        }
        return TEXT;
    }
}
