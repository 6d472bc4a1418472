package io.cutover.sql.source;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.mapping.TableSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One source table on a {@link SqlEndpoint}: its schema (columns, kinds, primary key), what its change
 * events will carry (replica identity, binlog row image), and JDBC reads that return rows of canonical
 * values. Stateless apart from the endpoint; every method opens its own connection or uses the one given.
 */
public final class SqlTable {
    private final SqlEndpoint endpoint;
    /** Schema (PostgreSQL schema, MySQL database) and table name. */
    private final String schemaName;
    private final String tableName;

    public SqlTable(SqlEndpoint endpoint, String table) {
        this.endpoint = endpoint;
        int dot = table.indexOf('.');
        if (dot > 0) {
            this.schemaName = table.substring(0, dot);
            this.tableName = table.substring(dot + 1);
        } else {
            this.schemaName = endpoint.flavor() == SqlEndpoint.Flavor.POSTGRESQL ? "public" : endpoint.database();
            this.tableName = table;
        }
    }

    public SqlEndpoint endpoint() {
        return endpoint;
    }

    public String schemaName() {
        return schemaName;
    }

    public String tableName() {
        return tableName;
    }

    /** schema.table, as Debezium's table.include.list wants it. */
    public String qualifiedName() {
        return schemaName + "." + tableName;
    }

    public String quote(String identifier) {
        return endpoint.flavor().mysqlFamily() ? "`" + identifier.replace("`", "``") + "`" : "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** The table reference for SQL text. */
    public String sqlName() {
        return quote(schemaName) + "." + quote(tableName);
    }

    /** Reads the columns and primary key; TABLE_NOT_FOUND when there is no such table. */
    public TableSchema schema() {
        try (Connection c = endpoint.connect()) {
            Map<String, ColumnKind> columns = new LinkedHashMap<>();
            List<String> pk = new ArrayList<>();
            if (endpoint.flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
                try (PreparedStatement s = c.prepareStatement("SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                        + " JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
                        + " WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
                    s.setString(1, schemaName);
                    s.setString(2, tableName);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            columns.put(rs.getString(1), ColumnKind.fromSqlType(rs.getString(2), false));
                        }
                    }
                }
                try (PreparedStatement s = c.prepareStatement("SELECT a.attname FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid"
                        + " JOIN pg_namespace n ON n.oid = r.relnamespace JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true"
                        + " JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum"
                        + " WHERE i.indisprimary AND n.nspname = ? AND r.relname = ? ORDER BY k.ord")) {
                    s.setString(1, schemaName);
                    s.setString(2, tableName);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            pk.add(rs.getString(1));
                        }
                    }
                }
            } else {
                try (PreparedStatement s = c.prepareStatement("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
                        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
                    s.setString(1, schemaName);
                    s.setString(2, tableName);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            columns.put(rs.getString(1), ColumnKind.fromSqlType(rs.getString(2), true));
                        }
                    }
                }
                for (String json : mariaDbJsonColumns(c)) {
                    columns.computeIfPresent(json, (k, v) -> ColumnKind.JSON);
                }
                try (PreparedStatement s = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
                        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION")) {
                    s.setString(1, schemaName);
                    s.setString(2, tableName);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            pk.add(rs.getString(1));
                        }
                    }
                }
            }
            if (columns.isEmpty()) {
                throw new CutoverException(ErrorCode.TABLE_NOT_FOUND, "table " + qualifiedName() + " not found on " + endpoint.describe()
                        + ": check --source-table (schema.table) and the database in --source");
            }
            return new TableSchema(qualifiedName(), columns, pk);
        } catch (SQLException e) {
            throw failure("read the columns of " + qualifiedName(), e);
        }
    }

    /** MariaDB's JSON is LONGTEXT with a json_valid() check; those columns hold JSON. */
    private List<String> mariaDbJsonColumns(Connection c) {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
                + " WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?")) {
            s.setString(1, schemaName);
            s.setString(2, tableName);
            try (ResultSet rs = s.executeQuery()) {
                Pattern p = Pattern.compile("json_valid\\(`?([^`)]+)`?\\)", Pattern.CASE_INSENSITIVE);
                while (rs.next()) {
                    Matcher m = p.matcher(rs.getString(1));
                    if (m.find()) {
                        out.add(m.group(1));
                    }
                }
            }
        } catch (SQLException e) {
            // MySQL before 8.0.16 has no CHECK_CONSTRAINTS; its JSON type is reported as json anyway.
        }
        return out;
    }

    /**
     * Which columns a DELETE (and the old image of an UPDATE) carries: PostgreSQL sends only the
     * primary key unless the table's REPLICA IDENTITY is FULL; MySQL sends every column when
     * binlog_row_image is FULL. Returns empty when every column is carried, else the reason.
     */
    public Optional<String> oldImageLimit() {
        try (Connection c = endpoint.connect(); Statement s = c.createStatement()) {
            if (endpoint.flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
                try (PreparedStatement p = c.prepareStatement("SELECT r.relreplident FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace"
                        + " WHERE n.nspname = ? AND r.relname = ?")) {
                    p.setString(1, schemaName);
                    p.setString(2, tableName);
                    try (ResultSet rs = p.executeQuery()) {
                        String identity = rs.next() ? rs.getString(1) : "d";
                        return identity.equals("f") ? Optional.empty()
                                : Optional.of("table " + qualifiedName() + " has REPLICA IDENTITY " + (identity.equals("d") ? "DEFAULT" : identity)
                                + ", so its deletes and updates carry only the primary key; run ALTER TABLE " + sqlName() + " REPLICA IDENTITY FULL");
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT @@GLOBAL.binlog_row_image, @@GLOBAL.binlog_format, @@GLOBAL.log_bin")) {
                rs.next();
                String image = rs.getString(1);
                if (!"ROW".equalsIgnoreCase(rs.getString(2)) || !rs.getBoolean(3)) {
                    throw new CutoverException(ErrorCode.UNSUPPORTED, endpoint.describe() + " cannot be captured: it needs log_bin on and"
                            + " binlog_format=ROW (it has log_bin=" + rs.getString(3) + ", binlog_format=" + rs.getString(2) + "); set them in the server configuration");
                }
                return "FULL".equalsIgnoreCase(image) ? Optional.empty()
                        : Optional.of(endpoint.describe() + " has binlog_row_image=" + image + ", so deletes and updates carry only some columns;"
                        + " set binlog_row_image=FULL (SET GLOBAL binlog_row_image='FULL', and in the server configuration)");
            }
        } catch (SQLException e) {
            throw failure("read the replica identity of " + qualifiedName(), e);
        }
    }

    /**
     * PostgreSQL: the columns whose values can be stored out of line (TOAST: text, bytea, json, arrays, numeric,
     * ...; storage other than "plain"), in column order. An UPDATE that leaves such a value unchanged does not
     * carry it unless the table has REPLICA IDENTITY FULL.
     */
    public List<String> toastableColumns() {
        List<String> out = new ArrayList<>();
        try (Connection c = endpoint.connect();
             PreparedStatement p = c.prepareStatement("SELECT a.attname FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n"
                     + " ON n.oid = r.relnamespace WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped"
                     + " AND a.attstorage <> 'p' ORDER BY a.attnum")) {
            p.setString(1, schemaName);
            p.setString(2, tableName);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failure("read the column storage of " + qualifiedName(), e);
        }
        return out;
    }

    /** The column values of the current row as canonical values. */
    public static Map<String, Object> row(ResultSet rs, TableSchema schema) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        int i = 1;
        for (Map.Entry<String, ColumnKind> col : schema.columns().entrySet()) {
            row.put(col.getKey(), read(rs, i++, col.getValue()));
        }
        return row;
    }

    private static Object read(ResultSet rs, int i, ColumnKind kind) throws SQLException {
        Object raw = switch (kind) {
            case DECIMAL -> rs.getBigDecimal(i);
            case TEXT, UUID, JSON -> rs.getString(i);
            case DATE -> rs.getObject(i, LocalDate.class);
            case TIME -> rs.getObject(i, LocalTime.class);
            case TIMESTAMP -> rs.getObject(i, LocalDateTime.class);
            case TIMESTAMPTZ -> {
                if (rs.getMetaData().getColumnTypeName(i).toLowerCase(java.util.Locale.ROOT).startsWith("timestamptz")) {
                    yield rs.getObject(i, OffsetDateTime.class);
                }
                LocalDateTime utc = rs.getObject(i, LocalDateTime.class); // MySQL session in UTC
                yield utc == null ? null : utc.toInstant(ZoneOffset.UTC);
            }
            case BINARY -> rs.getBytes(i);
            case ARRAY -> {
                Array a = rs.getArray(i);
                yield a == null ? null : a.getArray();
            }
            default -> rs.getObject(i);
        };
        return rs.wasNull() ? null : SqlValues.canonical(raw, kind);
    }

    /** The SELECT list of every column, in schema order. */
    public String columnList(TableSchema schema) {
        StringBuilder b = new StringBuilder();
        for (String c : schema.columns().keySet()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(quote(c));
        }
        return b.toString();
    }

    /** Up to {@code n} rows in primary key order, for plan's samples. */
    public List<Map<String, Object>> sample(TableSchema schema, int n) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = endpoint.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + columnList(schema) + " FROM " + sqlName() + " ORDER BY " + pkList(schema) + " LIMIT " + n)) {
            while (rs.next()) {
                out.add(row(rs, schema));
            }
        } catch (SQLException e) {
            throw failure("read sample rows of " + qualifiedName(), e);
        }
        return out;
    }

    public String pkList(TableSchema schema) {
        StringBuilder b = new StringBuilder();
        for (String c : schema.primaryKey()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(quote(c));
        }
        return b.toString();
    }

    /** Rows in the table (exact count; used by plan and verify). */
    public long count() {
        try (Connection c = endpoint.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + sqlName())) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("count the rows of " + qualifiedName(), e);
        }
    }

    /** The server's estimate of the rows (for progress only), or -1. */
    public long estimatedRows() {
        String sql = endpoint.flavor() == SqlEndpoint.Flavor.POSTGRESQL
                ? "SELECT reltuples::bigint FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = ? AND r.relname = ?"
                : "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?";
        try (Connection c = endpoint.connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, schemaName);
            s.setString(2, tableName);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Math.max(-1, rs.getLong(1)) : -1;
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    public CutoverException failure(String what, SQLException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (!endpoint.password().isEmpty()) {
            msg = msg.replace(endpoint.password(), "***");
        }
        ErrorCode code = e.getSQLState() != null && e.getSQLState().startsWith("08") ? ErrorCode.TRANSIENT : ErrorCode.REJECTED;
        return new CutoverException(code, "cannot " + what + " on " + endpoint.describe() + ": " + msg, e);
    }
}
