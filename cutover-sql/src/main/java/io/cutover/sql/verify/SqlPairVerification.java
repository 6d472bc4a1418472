package io.cutover.sql.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover verify} between two SQL tables (a PostgreSQL ⇄ MariaDB pair, docs/decisions/0200, 0260): both tables read
 * by primary key and compared column by column after the same normalisation, so that what the replication's type mapping
 * keeps equal compares equal: numbers by value (12.50 = 12.5, a float by its shortest decimal form), a timestamp with
 * time zone and a DATETIME as the same UTC instant, JSON as the same tree (key order and number spelling aside), bytes as
 * bytes, booleans as booleans. A row whose version columns mark it deleted ({@code cutover_v_deleted}) counts as absent,
 * as the stores read it.
 *
 * <p>Bucketed and streaming, like every other verify ({@link Verifier}, docs/decisions/0008): each table is read in
 * primary-key ranges a page at a time ({@link NormalisedRowsSide}), each row's digest added to one of a fixed number of
 * buckets; only the buckets whose digests differ are read again key by key, within the verifier's memory budget. Memory
 * does not grow with the tables, only with their differences.
 */
public final class SqlPairVerification {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** At most this many differences are listed (all are counted). */
    static final int LISTED = 20;

    /**
     * @param verify      the result as every verify reports it (kept in the state directory for the switch gates)
     * @param differences the first {@value #LISTED} in key order, one line each: key, and the column with the two
     *                    normalised values, or the side the key is missing from
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
        return run(source, sourceTable, target, targetTable, tombstoneColumn, stateDir, VerifyOptions.defaults().withListLimit(LISTED));
    }

    /**
     * Compares the two tables with {@code options} (segments, parallelism, read rate, buckets; a sample or a recheck as for
     * any verify); with {@code stateDir}, keeps the result there as the last verify (for the switch gates).
     */
    public static Result run(SqlEndpoint source, String sourceTable, SqlEndpoint target, String targetTable, String tombstoneColumn,
                             Optional<Path> stateDir, VerifyOptions options) {
        long started = System.nanoTime();
        SqlTable a = new SqlTable(source, sourceTable);
        SqlTable b = new SqlTable(target, targetTable);
        TreeSet<String> columns = new TreeSet<>(a.schema().columns().keySet());
        columns.retainAll(b.schema().columns().keySet());
        List<String> key = a.schema().primaryKey();
        if (key.isEmpty() || !columns.containsAll(key)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "verify of " + a.qualifiedName() + " and " + b.qualifiedName() + " compares"
                    + " rows by primary key: " + (key.isEmpty() ? a.qualifiedName() + " has none" : b.qualifiedName() + " lacks primary key"
                    + " column(s) " + key));
        }
        NormalisedRowsSide left = new NormalisedRowsSide("source", a, List.copyOf(columns), key, tombstoneColumn);
        NormalisedRowsSide right = new NormalisedRowsSide("target", b, List.copyOf(columns), key, tombstoneColumn);
        Verifier.Outcome outcome = new Verifier(left, right, key, options, CopyProgress.NONE).run();

        List<Listed> listed = new ArrayList<>();
        for (KeyDifference d : outcome.all()) {
            listed.add(new Listed(keyText(d.key()), d));
        }
        listed.sort(java.util.Comparator.comparing(Listed::keyText));
        List<String> lines = new ArrayList<>();
        for (Listed l : listed.subList(0, Math.min(LISTED, listed.size()))) {
            lines.add(l.keyText() + ": " + why(l.difference(), left, right, columns));
        }
        TreeSet<String> onlyOne = new TreeSet<>(a.schema().columns().keySet());
        onlyOne.addAll(b.schema().columns().keySet());
        onlyOne.removeAll(columns);
        if (!onlyOne.isEmpty()) {
            lines.add(0, "columns " + onlyOne + " are in one table only (schema changes are not replicated)");
        }
        VerifyResult r = outcome.result();
        double seconds = (System.nanoTime() - started) / 1e9;
        boolean same = r.identical() && onlyOne.isEmpty();
        VerifyResult v = new VerifyResult(same ? "identical" : "different", r.mode(), r.source(), r.target(), r.sourceItems(),
                r.targetItems(), r.missing(), r.extra(), r.different() + (onlyOne.isEmpty() ? 0 : 1), r.missingKeys(), r.extraKeys(),
                r.differentItems(), r.truncated(), r.recheck(), r.buckets(), r.bucketsMismatched(), seconds,
                seconds > 0 ? (r.sourceItems() + r.targetItems()) / seconds : 0, null);
        stateDir.ifPresent(dir -> {
            try {
                java.nio.file.Files.createDirectories(dir);
            } catch (java.io.IOException e) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot create " + dir + ": " + e);
            }
            io.cutover.dynamodb.DynamoDbVerification.saveLast(dir, v);
        });
        return new Result(v, List.copyOf(lines));
    }

    private record Listed(String keyText, KeyDifference difference) {
    }

    /** A key as the differences name it: {primary key column=normalised value, ...}, the columns in name order. */
    static String keyText(JsonNode dynamoDbJson) {
        Map<String, String> pk = new TreeMap<>();
        DynamoDbJson.readItem(dynamoDbJson).forEach((c, v) -> pk.put(c, shown(v)));
        return pk.toString();
    }

    /** Why a key differs: the side it is missing from, or the first differing column with both normalised values. */
    private static String why(KeyDifference d, NormalisedRowsSide left, NormalisedRowsSide right, Iterable<String> columns) {
        switch (d.kind()) {
            case "missing":
                return "only in the source";
            case "extra":
                return "only in the target";
            default:
                Map<String, AttributeValue> key = DynamoDbJson.readItem(d.key());
                Map<String, AttributeValue> l = left.lookup(key);
                Map<String, AttributeValue> r = right.lookup(key);
                if (l == null || r == null) {
                    return l == null && r == null ? "deleted on both sides since it was read" : l == null ? "only in the target" : "only in the source";
                }
                for (String c : columns) {
                    if (!Objects.equals(l.get(c), r.get(c))) {
                        return "column " + c + ": " + shown(l.get(c)) + " <> " + shown(r.get(c));
                    }
                }
                return "equal since it was read (a write in flight)";
        }
    }

    /** A normalised value as the differences show it: the text itself, true/false, null, or a JSON tree's attribute. */
    private static String shown(AttributeValue v) {
        if (v == null || Boolean.TRUE.equals(v.nul())) {
            return "null";
        }
        if (v.s() != null) {
            return v.s();
        }
        if (v.bool() != null) {
            return v.bool().toString();
        }
        if (v.hasL() && v.l().stream().allMatch(e -> e.s() != null)) {
            return v.l().stream().map(AttributeValue::s).toList().toString();
        }
        return DynamoDbJson.write(Map.of("v", v)).replaceFirst("^\\{\"v\":", "").replaceFirst("}$", "");
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
        if (v instanceof Double || v instanceof Float) { // by value, in the shortest decimal form a float or double reads back as
            double d = ((Number) v).doubleValue();
            return Double.isNaN(d) || Double.isInfinite(d) ? v.toString() : normalise(new BigDecimal(v.toString()), kind);
        }
        return v instanceof Boolean ? v : v.toString();
    }
}
