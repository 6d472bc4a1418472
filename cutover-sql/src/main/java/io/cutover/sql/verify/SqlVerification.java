package io.cutover.sql.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.AtomicFile;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.verify.LiveItemsOnly;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbVerifySide;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.MappingException;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.cutover.sql.source.SqlVerifySide;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * {@code cutover verify --source postgresql://...}: the verifier's full key-by-key compare (or a sample)
 * of the SQL table through its mapping against the target, plus, with {@code --bucket-by column:day},
 * row counts per time bucket on both sides (the source by GROUP BY, the target by a scan of the mapped attribute).
 */
public final class SqlVerification implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Rows (source) and items (target) in one time bucket. */
    public record BucketCount(String bucket, long source, long target) {
        public boolean matches() {
            return source == target;
        }
    }

    /** verify's result, and the per-bucket counts when asked for. */
    public record Result(VerifyResult verify, String bucketBy, List<BucketCount> buckets) {
        public boolean identical() {
            return verify.identical() && buckets.stream().allMatch(BucketCount::matches);
        }
    }

    private final SqlTable table;
    private final RowMapper mapper;
    private final java.util.Optional<io.cutover.core.version.VersionAttribute> versions;
    private final DynamoDbEndpoint targetEndpoint;
    private final DynamoDbClient target;

    /**
     * A verify of the table through the mapping; a table with the default version columns ({@code cutover_v} text,
     * {@code cutover_v_deleted} boolean: a site of a phased cut-over) compares live items, as the other constructor does.
     */
    public SqlVerification(SqlEndpoint source, String sourceTable, Mapping mapping, DynamoDbEndpoint targetEndpoint, int connections) {
        this(source, sourceTable, mapping, targetEndpoint, connections, defaultVersions(new SqlTable(source, sourceTable)));
    }

    private static java.util.Optional<io.cutover.core.version.VersionAttribute> defaultVersions(SqlTable table) {
        io.cutover.core.version.VersionAttribute v = io.cutover.core.version.VersionAttribute.DEFAULT;
        var columns = table.schema().columns();
        return columns.get(v.name()) == io.cutover.sql.mapping.ColumnKind.TEXT
                && columns.get(v.tombstone()) == io.cutover.sql.mapping.ColumnKind.BOOLEAN ? java.util.Optional.of(v) : java.util.Optional.empty();
    }

    /**
     * @param versions the version columns of a table in a phased cut-over: its tombstone rows compare as the tombstone
     *                 items the DynamoDB side keeps (docs/decisions/0130)
     */
    public SqlVerification(SqlEndpoint source, String sourceTable, Mapping mapping, DynamoDbEndpoint targetEndpoint, int connections,
                           java.util.Optional<io.cutover.core.version.VersionAttribute> versions) {
        this.table = new SqlTable(source, sourceTable);
        RowMapper bound = mapping.bind(table.schema());
        this.mapper = versions.map(bound::withVersions).orElse(bound);
        this.versions = versions;
        this.targetEndpoint = targetEndpoint;
        this.target = DynamoDbClients.create(targetEndpoint, connections);
    }

    public RowMapper mapper() {
        return mapper;
    }

    public Result run(String targetTable, VerifyOptions options, String bucketBy, CopyProgress progress, Path stateDir) {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot create --state-dir " + stateDir + ": " + e.getMessage(), e);
        }
        List<BucketCount> buckets = bucketBy == null ? List.of() : buckets(targetTable, bucketBy);
        VerifyResult result;
        try (FileDeadLetterSink unmappable = new FileDeadLetterSink(stateDir.resolve("verify-unmappable.jsonl"))) {
            io.cutover.core.verify.VerifySide sql = new SqlVerifySide(table, mapper, unmappable);
            io.cutover.core.verify.VerifySide dynamo = new DynamoDbVerifySide(target, targetEndpoint, targetTable, -1, RetryPolicy.defaults(), 1000);
            if (versions.isPresent()) {
                sql = new LiveItemsOnly(sql, versions.get());
                dynamo = new LiveItemsOnly(dynamo, versions.get());
            }
            Verifier verifier = new Verifier(sql, dynamo,
                    mapper.keyAttributeNames(), options, progress);
            Verifier.Outcome outcome = verifier.run();
            Path report = stateDir.resolve("verify-report-" + Instant.now().toString().replace(':', '-') + ".jsonl");
            result = outcome.result().withReportFile(report.toString());
            try (java.io.BufferedWriter w = Files.newBufferedWriter(report)) {
                w.write(JSON.writeValueAsString(result));
                w.newLine();
                for (io.cutover.core.result.KeyDifference d : outcome.all()) {
                    w.write(JSON.writeValueAsString(d));
                    w.newLine();
                }
            } catch (IOException e) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write the report " + report + ": " + e.getMessage(), e);
            }
        }
        Result r = new Result(result, bucketBy, buckets);
        try {
            AtomicFile.write(stateDir.resolve("verify-last.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot save the verify result in " + stateDir + ": " + e.getMessage(), e);
        }
        return r;
    }

    /** Counts per bucket of {@code spec} ("column:day", "column:hour", "column:month") on both sides. */
    public List<BucketCount> buckets(String targetTable, String spec) {
        int colon = spec.lastIndexOf(':');
        String column = colon < 0 ? spec : spec.substring(0, colon);
        String unit = colon < 0 ? "day" : spec.substring(colon + 1).toLowerCase(Locale.ROOT);
        String pattern = switch (unit) {
            case "hour" -> "yyyy-MM-dd'T'HH";
            case "day" -> "yyyy-MM-dd";
            case "month" -> "yyyy-MM";
            default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, "--bucket-by " + spec + ": the unit must be hour, day or month");
        };
        ColumnKind kind = mapper.schema().kind(column);
        if (kind == null || !(kind == ColumnKind.TIMESTAMP || kind == ColumnKind.TIMESTAMPTZ || kind == ColumnKind.DATE)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--bucket-by " + spec + ": " + column + " must be a date or timestamp column of "
                    + table.qualifiedName());
        }
        String attribute = mapper.attributes().get(column);
        if (attribute == null) {
            throw new MappingException("--bucket-by " + spec + ": column " + column + " is not an attribute of the items (mapping.attributes);"
                    + " bucket by a column the mapping keeps");
        }
        DateTimeFormatter f = DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
        Map<String, long[]> counts = new TreeMap<>();
        // Source: the server groups; values come back as canonical values and are bucketed like the target's.
        String col = table.quote(column);
        String sql = "SELECT " + col + ", count(*) FROM " + table.sqlName() + " GROUP BY " + col;
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery(sql)) {
                io.cutover.sql.mapping.TableSchema one = new io.cutover.sql.mapping.TableSchema(table.qualifiedName(), Map.of(column, kind), List.of(column));
                while (rs.next()) {
                    Object v = io.cutover.sql.source.SqlTable.row(rs, one).get(column);
                    counts.computeIfAbsent(bucket(v, f), k -> new long[2])[0] += rs.getLong(2);
                }
            }
        } catch (SQLException e) {
            throw table.failure("count rows per " + unit, e);
        }
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = target.scan(b -> b.tableName(targetTable).projectionExpression("#a").expressionAttributeNames(Map.of("#a", attribute))
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                AttributeValue v = item.get(attribute);
                counts.computeIfAbsent(v == null ? "(none)" : bucket(targetValue(v, kind), f), k -> new long[2])[1]++;
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        List<BucketCount> out = new ArrayList<>();
        counts.forEach((k, v) -> out.add(new BucketCount(k, v[0], v[1])));
        return out;
    }

    private Object targetValue(AttributeValue v, ColumnKind kind) {
        if (v.n() != null) {
            BigDecimal n = new BigDecimal(v.n());
            if (mapper.mapping().timestamps() == SqlValues.TimestampStyle.EPOCH_MS) {
                n = n.movePointLeft(3);
            }
            return Instant.ofEpochSecond(n.longValue());
        }
        return v.s() == null ? null : SqlValues.canonical(v.s(), kind);
    }

    private static String bucket(Object v, DateTimeFormatter f) {
        if (v == null) {
            return "(null)";
        }
        if (v instanceof Instant i) {
            return f.format(i.atOffset(ZoneOffset.UTC));
        }
        if (v instanceof LocalDateTime t) {
            return f.format(t);
        }
        if (v instanceof java.time.LocalDate d) {
            return f.format(d.atStartOfDay());
        }
        return v.toString();
    }

    @Override
    public void close() {
        target.close();
    }

}
