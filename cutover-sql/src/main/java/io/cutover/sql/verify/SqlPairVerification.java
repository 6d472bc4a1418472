package io.cutover.sql.verify;

import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Optional;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;

/**
 * {@code cutover verify} between two SQL tables (a PostgreSQL ⇄ MariaDB pair, docs/decisions/0200): every row of both read
 * by primary key and compared column by column after the same normalisation, so that what the replication's type mapping
 * keeps equal compares equal: numbers by value (12.50 = 12.5), a timestamp with time zone and a DATETIME as the same UTC
 * instant, JSON as the same tree (key order and number spelling aside), bytes as bytes, booleans as booleans. A row
 * whose version columns mark it deleted ({@code cutover_v_deleted}) counts as absent, as the stores read it. A keyed
 * comparison in memory: meant for tables of up to a few million rows; the bucketed digests of {@link SqlVerification}
 * compare a SQL table with DynamoDB.
 */
public final class SqlPairVerification {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** At most this many differences are listed (all are counted). */
    static final int LISTED = 20;

    /**
     * @param verify      the result as every verify reports it (kept in the state directory for the switch gates)
     * @param differences the first {@value #LISTED}, one line each: key, column, the two normalised values
     */
    public record Result(VerifyResult verify, List<String> differences) {
        public boolean identical() {
            return verify.identical() && differences.isEmpty();
        }
    }

    private SqlPairVerification() {
    }

    /** Compares the two tables; with {@code stateDir}, keeps the result there as the last verify (for the switch gates). */
    public static Result run(SqlEndpoint source, String sourceTable, SqlEndpoint target, String targetTable, String tombstoneColumn,
                             Optional<Path> stateDir) {
        long started = System.nanoTime();
        SqlTable a = new SqlTable(source, sourceTable);
        SqlTable b = new SqlTable(target, targetTable);
        Map<String, Map<String, Object>> left = rows(a, tombstoneColumn);
        Map<String, Map<String, Object>> right = rows(b, tombstoneColumn);
        TreeSet<String> keys = new TreeSet<>(left.keySet());
        keys.addAll(right.keySet());
        TreeSet<String> columns = new TreeSet<>(a.schema().columns().keySet());
        columns.retainAll(b.schema().columns().keySet());
        long missing = 0;
        long extra = 0;
        long different = 0;
        List<String> listed = new ArrayList<>();
        List<JsonNode> missingKeys = new ArrayList<>();
        List<JsonNode> extraKeys = new ArrayList<>();
        List<KeyDifference> differentItems = new ArrayList<>();
        for (String k : keys) {
            Map<String, Object> l = left.get(k);
            Map<String, Object> r = right.get(k);
            String why = difference(l, r, columns);
            if (why == null) {
                continue;
            }
            JsonNode key = JSON.valueToTree(Map.of("primaryKey", k));
            if (r == null) {
                missing++;
                addListed(missingKeys, key);
            } else if (l == null) {
                extra++;
                addListed(extraKeys, key);
            } else {
                different++;
                addListed(differentItems, new KeyDifference("different", key, differingColumns(l, r, columns), null));
            }
            if (listed.size() < LISTED) {
                listed.add(k + ": " + why);
            }
        }
        TreeSet<String> onlyOne = new TreeSet<>(a.schema().columns().keySet());
        onlyOne.addAll(b.schema().columns().keySet());
        onlyOne.removeAll(columns);
        if (!onlyOne.isEmpty()) {
            listed.add(0, "columns " + onlyOne + " are in one table only (schema changes are not replicated)");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        boolean same = missing + extra + different == 0 && onlyOne.isEmpty();
        VerifyResult v = new VerifyResult(same ? "identical" : "different", "keyed", "source table " + a.qualifiedName() + " at "
                + source.describe(), "target table " + b.qualifiedName() + " at " + target.describe(), left.size(), right.size(), missing,
                extra, different + (onlyOne.isEmpty() ? 0 : 1), missingKeys, extraKeys, differentItems,
                missing + extra + different > LISTED, null, 0, 0, seconds, seconds > 0 ? keys.size() / seconds : 0, null);
        stateDir.ifPresent(dir -> {
            try {
                java.nio.file.Files.createDirectories(dir);
            } catch (java.io.IOException e) {
                throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.STATE_CONFLICT, "cannot create " + dir + ": " + e);
            }
            io.cutover.dynamodb.DynamoDbVerification.saveLast(dir, v);
        });
        return new Result(v, List.copyOf(listed));
    }

    private static <T> void addListed(List<T> list, T e) {
        if (list.size() < LISTED) {
            list.add(e);
        }
    }

    private static List<String> differingColumns(Map<String, Object> l, Map<String, Object> r, Iterable<String> columns) {
        List<String> out = new ArrayList<>();
        for (String c : columns) {
            if (!Objects.equals(l.get(c), r.get(c))) {
                out.add(c);
            }
        }
        return out;
    }

    private static String difference(Map<String, Object> l, Map<String, Object> r, Iterable<String> columns) {
        if (l == null || r == null) {
            return (l == null ? "only in the target" : "only in the source");
        }
        for (String c : columns) {
            if (!Objects.equals(l.get(c), r.get(c))) {
                return "column " + c + ": " + l.get(c) + " <> " + r.get(c);
            }
        }
        return null;
    }

    /** Live rows by primary key (normalised text), each column normalised. */
    private static Map<String, Map<String, Object>> rows(SqlTable t, String tombstoneColumn) {
        TableSchema schema = t.schema();
        Map<String, Map<String, Object>> out = new HashMap<>();
        try (Connection c = t.endpoint().connect();
             PreparedStatement s = c.prepareStatement("SELECT " + t.columnList(schema) + " FROM " + t.sqlName())) {
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = SqlTable.row(rs, schema);
                    if (tombstoneColumn != null && Boolean.TRUE.equals(row.get(tombstoneColumn))) {
                        continue;
                    }
                    Map<String, Object> normal = new LinkedHashMap<>();
                    row.forEach((col, v) -> normal.put(col, normalise(v, schema.kind(col))));
                    Map<String, Object> pk = new TreeMap<>();
                    schema.primaryKey().forEach(col -> pk.put(col, normal.get(col)));
                    out.put(pk.toString(), normal);
                }
            }
        } catch (SQLException e) {
            throw t.failure("read " + t.qualifiedName() + " for verify", e);
        }
        return out;
    }

    /** One comparable form per value, whichever engine and column type it came from (see the class comment). */
    static Object normalise(Object v, ColumnKind kind) {
        if (v == null) {
            return null;
        }
        if (v instanceof Long n) {
            return BigDecimal.valueOf(n).toPlainString();
        }
        if (v instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        if (v instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC).toString();
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        if (v instanceof SqlValues.Json j) {
            return SqlValues.json(j.text());
        }
        if (v instanceof byte[] bytes) {
            return "0x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(e -> normalise(e, ColumnKind.TEXT)).toList();
        }
        return v instanceof Boolean || v instanceof Double || v instanceof Float ? v : v.toString();
    }
}
