package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputDescription;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.SSESpecification;
import software.amazon.awssdk.services.dynamodb.model.SSEType;
import software.amazon.awssdk.services.dynamodb.model.TableClass;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * Reads a table's definition on one side and reproduces it on the other: keys, attribute
 * definitions, GSIs and LSIs with projections and throughput, billing mode, stream specification,
 * table class, deletion protection, TTL and tags. A setting the endpoint does not support (tagging
 * on DynamoDB Local) is reported as a warning and the copy carries on.
 */
public final class DynamoDbTableDefinitions {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbTableDefinitions.class);
    private final DynamoDbClient client;
    private final DynamoDbEndpoint endpoint;
    private final RetryPolicy retry;
    private final ErrorClassifier classifier;

    public DynamoDbTableDefinitions(DynamoDbClient client, DynamoDbEndpoint endpoint, RetryPolicy retry) {
        this.client = client;
        this.endpoint = endpoint;
        this.retry = retry;
        this.classifier = new DynamoDbErrorClassifier(endpoint);
    }

    /** Describes a table, or empty when it does not exist. Fails fast when the endpoint cannot be reached. */
    public Optional<TableDescription> describe(String table) {
        return retry.execute("DescribeTable " + table, a -> {
            try {
                return Optional.of(client.describeTable(b -> b.tableName(table)).table());
            } catch (ResourceNotFoundException e) {
                return Optional.<TableDescription>empty();
            }
        }, this::classifyFailFast, RetryListener.NONE);
    }

    /** Like the classifier, but nothing listening at the endpoint fails at once instead of being retried. */
    private CutoverException classifyFailFast(Throwable e) {
        if (DynamoDbErrorClassifier.isUnreachable(e)) {
            return new CutoverException(ErrorCode.ENDPOINT_UNREACHABLE, "cannot reach the " + endpoint.role() + " endpoint "
                    + endpoint.describe() + " (" + DynamoDbErrorClassifier.rootMessage(e) + "): check "
                    + endpoint.flag("endpoint-url"), e);
        }
        return classifier.classify(e);
    }

    /** Reads everything a copy reproduces; fails with TABLE_NOT_FOUND naming the tables that do exist. */
    public SourceTable read(String table) {
        TableDescription d = describe(table).orElseThrow(() -> new CutoverException(ErrorCode.TABLE_NOT_FOUND,
                endpoint.role() + " table '" + table + "' not found at " + endpoint.describe() + ": check --" + endpoint.role()
                        + "-table" + existingTablesHint()));
        List<String> warnings = new ArrayList<>();
        Optional<String> ttl = Optional.empty();
        // Each read is retried like any other call (a throttle or a 500 must not quietly drop TTL or tags from the copy);
        // only what the endpoint refuses outright (DynamoDB Local has no tagging) becomes a warning.
        try {
            var t = retry.execute("DescribeTimeToLive " + table, a -> client.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription(),
                    classifier, RetryListener.NONE);
            if (t != null && (t.timeToLiveStatus() == TimeToLiveStatus.ENABLED || t.timeToLiveStatus() == TimeToLiveStatus.ENABLING)) {
                ttl = Optional.ofNullable(t.attributeName());
            }
        } catch (CutoverException e) {
            warnings.add("TTL setting of " + table + " not read (" + refusal(e) + "); not copied");
        }
        List<Tag> tags = List.of();
        try {
            tags = retry.execute("ListTagsOfResource " + table, a -> client.listTagsOfResource(b -> b.resourceArn(d.tableArn())).tags(),
                    classifier, RetryListener.NONE);
        } catch (CutoverException e) {
            warnings.add("tags of " + table + " not read (" + refusal(e) + "); not copied"
                    + (endpoint.isLoopback() ? " (DynamoDB Local does not support tagging)" : ""));
        }
        return new SourceTable(d, ttl, tags, warnings);
    }

    /** The service's refusal of an optional read, as a warning's text; anything that is not a refusal (retries spent) is thrown. */
    private static String refusal(CutoverException e) {
        boolean refused = e.code() == ErrorCode.REJECTED || e.code() == ErrorCode.CREDENTIALS;
        if (!refused || !(e.getCause() instanceof AwsServiceException a)) {
            throw e;
        }
        return errorCode(a) + ": " + DynamoDbErrorClassifier.message(a);
    }

    private static String errorCode(AwsServiceException e) {
        return e.awsErrorDetails() == null ? "error " + e.statusCode() : e.awsErrorDetails().errorCode();
    }

    public List<String> listTables() {
        return retry.execute("ListTables", a -> {
            List<String> names = new ArrayList<>();
            client.listTablesPaginator().tableNames().forEach(names::add);
            return names;
        }, this::classifyFailFast, RetryListener.NONE);
    }

    private String existingTablesHint() {
        try {
            List<String> names = listTables();
            if (names.isEmpty()) {
                return " (there are no tables there)";
            }
            return " (tables there: " + String.join(", ", names.subList(0, Math.min(10, names.size())))
                    + (names.size() > 10 ? ", ..." : "") + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Why a table with the target's definition cannot hold the source's items, or empty when it can. */
    public static Optional<String> incompatibility(TableDescription source, TableDescription target) {
        String s = keySignature(source);
        String t = keySignature(target);
        if (!s.equals(t)) {
            return Optional.of("target table '" + target.tableName() + "' exists with keys " + t + " but the source has " + s
                    + ": choose another --target-table (or --table-map), or delete the target table");
        }
        return Optional.empty();
    }

    /** Differences that do not stop a copy but that a user should know about. */
    public static List<String> differences(TableDescription source, TableDescription target) {
        List<String> out = new ArrayList<>();
        var sg = indexNames(source.globalSecondaryIndexes(), GlobalSecondaryIndexDescription::indexName);
        var tg = indexNames(target.globalSecondaryIndexes(), GlobalSecondaryIndexDescription::indexName);
        if (!sg.equals(tg)) {
            out.add("existing target '" + target.tableName() + "' has GSIs " + tg + ", the source has " + sg);
        }
        var sl = indexNames(source.localSecondaryIndexes(), LocalSecondaryIndexDescription::indexName);
        var tl = indexNames(target.localSecondaryIndexes(), LocalSecondaryIndexDescription::indexName);
        if (!sl.equals(tl)) {
            out.add("existing target '" + target.tableName() + "' has LSIs " + tl + ", the source has " + sl);
        }
        return out;
    }

    private static <T> List<String> indexNames(List<T> indexes, Function<T, String> name) {
        return indexes.stream().map(name).sorted().collect(Collectors.toList());
    }

    /** {@code (id HASH S, ts RANGE N)}. */
    public static String keySignature(TableDescription d) {
        Map<String, String> types = d.attributeDefinitions().stream()
                .collect(Collectors.toMap(AttributeDefinition::attributeName, AttributeDefinition::attributeTypeAsString));
        return d.keySchema().stream()
                .sorted(Comparator.comparing(KeySchemaElement::keyTypeAsString))
                .map(k -> k.attributeName() + " " + k.keyTypeAsString() + " " + types.get(k.attributeName()))
                .collect(Collectors.joining(", ", "(", ")"));
    }

    /** The CreateTable request that reproduces the source under a new name. */
    public static CreateTableRequest createRequest(SourceTable source, String targetName) {
        return createRequest(source, targetName, true);
    }

    /** As above; {@code withStream} false leaves the target's stream off (a migration enables it at cut-over). */
    public static CreateTableRequest createRequest(SourceTable source, String targetName, boolean withStream) {
        TableDescription d = source.description();
        boolean provisioned = billingMode(d) == BillingMode.PROVISIONED;
        CreateTableRequest.Builder b = CreateTableRequest.builder()
                .tableName(targetName)
                .attributeDefinitions(d.attributeDefinitions())
                .keySchema(d.keySchema())
                .billingMode(billingMode(d));
        if (provisioned) {
            b.provisionedThroughput(throughput(d.provisionedThroughput()));
        }
        if (d.hasGlobalSecondaryIndexes() && !d.globalSecondaryIndexes().isEmpty()) {
            b.globalSecondaryIndexes(d.globalSecondaryIndexes().stream().map(g -> {
                GlobalSecondaryIndex.Builder gb = GlobalSecondaryIndex.builder().indexName(g.indexName())
                        .keySchema(g.keySchema()).projection(g.projection());
                if (provisioned) {
                    gb.provisionedThroughput(throughput(g.provisionedThroughput()));
                }
                return gb.build();
            }).toList());
        }
        if (d.hasLocalSecondaryIndexes() && !d.localSecondaryIndexes().isEmpty()) {
            b.localSecondaryIndexes(d.localSecondaryIndexes().stream().map(l -> LocalSecondaryIndex.builder()
                    .indexName(l.indexName()).keySchema(l.keySchema()).projection(l.projection()).build()).toList());
        }
        if (withStream && d.streamSpecification() != null && Boolean.TRUE.equals(d.streamSpecification().streamEnabled())) {
            b.streamSpecification(d.streamSpecification());
        }
        if (d.tableClassSummary() != null && d.tableClassSummary().tableClass() == TableClass.STANDARD_INFREQUENT_ACCESS) {
            b.tableClass(TableClass.STANDARD_INFREQUENT_ACCESS);
        }
        if (Boolean.TRUE.equals(d.deletionProtectionEnabled())) {
            b.deletionProtectionEnabled(true);
        }
        if (d.sseDescription() != null && d.sseDescription().sseType() == SSEType.KMS) {
            // A customer managed key belongs to the source account; the target uses the AWS managed key.
            b.sseSpecification(SSESpecification.builder().enabled(true).sseType(SSEType.KMS).build());
        }
        return b.build();
    }

    /** Creates the target table from the source's definition, waits until it is ACTIVE, then sets TTL and tags. */
    public List<String> create(SourceTable source, String targetName) {
        return create(source, targetName, true);
    }

    public List<String> create(SourceTable source, String targetName, boolean withStream) {
        List<String> warnings = new ArrayList<>();
        CreateTableRequest request = createRequest(source, targetName, withStream);
        retry.execute("CreateTable " + targetName, a -> client.createTable(request), classifier, RetryListener.NONE);
        awaitActive(targetName);
        source.ttlAttribute().ifPresent(attr -> retry.execute("UpdateTimeToLive " + targetName,
                a -> client.updateTimeToLive(b -> b.tableName(targetName).timeToLiveSpecification(t -> t.attributeName(attr).enabled(true))),
                classifier, RetryListener.NONE));
        if (!source.tags().isEmpty()) {
            String arn = retry.execute("DescribeTable " + targetName, a -> client.describeTable(b -> b.tableName(targetName)).table().tableArn(),
                    classifier, RetryListener.NONE);
            try {
                client.tagResource(b -> b.resourceArn(arn).tags(source.tags()));
            } catch (AwsServiceException e) {
                warnings.add("tags not set on " + targetName + " (" + errorCode(e) + ": " + DynamoDbErrorClassifier.message(e) + ")");
            }
        }
        LOG.info("created target table {} ({})", targetName, keySignature(source.description()));
        return warnings;
    }

    void awaitActive(String table) {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (System.nanoTime() < deadline) {
            TableDescription d = retry.execute("DescribeTable " + table, a -> client.describeTable(b -> b.tableName(table)).table(),
                    classifier, RetryListener.NONE);
            boolean indexesActive = d.globalSecondaryIndexes().stream()
                    .allMatch(g -> g.indexStatusAsString() == null || "ACTIVE".equals(g.indexStatusAsString()));
            if (d.tableStatus() == TableStatus.ACTIVE && indexesActive) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for " + table + " to become ACTIVE", e);
            }
        }
        throw new CutoverException(ErrorCode.RETRIES_EXHAUSTED, "table " + table + " did not become ACTIVE within 30 minutes");
    }

    /** A one-line-per-setting summary, for plans and logs. */
    public static List<String> summary(SourceTable source) {
        TableDescription d = source.description();
        List<String> out = new ArrayList<>();
        out.add("keys " + keySignature(d));
        out.add("billing " + billingMode(d) + (billingMode(d) == BillingMode.PROVISIONED
                ? " (" + d.provisionedThroughput().readCapacityUnits() + " RCU, " + d.provisionedThroughput().writeCapacityUnits() + " WCU)" : ""));
        for (GlobalSecondaryIndexDescription g : d.globalSecondaryIndexes()) {
            out.add("GSI " + g.indexName() + " " + g.keySchema().stream().map(k -> k.attributeName() + " " + k.keyTypeAsString())
                    .collect(Collectors.joining(", ")) + " projection " + g.projection().projectionTypeAsString());
        }
        for (LocalSecondaryIndexDescription l : d.localSecondaryIndexes()) {
            out.add("LSI " + l.indexName() + " " + l.keySchema().stream().map(k -> k.attributeName() + " " + k.keyTypeAsString())
                    .collect(Collectors.joining(", ")) + " projection " + l.projection().projectionTypeAsString());
        }
        source.ttlAttribute().ifPresent(t -> out.add("TTL on attribute " + t));
        if (d.streamSpecification() != null && Boolean.TRUE.equals(d.streamSpecification().streamEnabled())) {
            out.add("stream " + d.streamSpecification().streamViewTypeAsString());
        }
        if (Boolean.TRUE.equals(d.deletionProtectionEnabled())) {
            out.add("deletion protection on");
        }
        if (!source.tags().isEmpty()) {
            out.add("tags " + source.tags().stream().map(t -> t.key() + "=" + t.value()).collect(Collectors.joining(", ")));
        }
        return out;
    }

    public static BillingMode billingMode(TableDescription d) {
        if (d.billingModeSummary() != null && d.billingModeSummary().billingMode() != null
                && d.billingModeSummary().billingMode() != BillingMode.UNKNOWN_TO_SDK_VERSION) {
            return d.billingModeSummary().billingMode();
        }
        ProvisionedThroughputDescription p = d.provisionedThroughput();
        return p != null && p.readCapacityUnits() != null && p.readCapacityUnits() > 0 ? BillingMode.PROVISIONED
                : BillingMode.PAY_PER_REQUEST;
    }

    private static ProvisionedThroughput throughput(ProvisionedThroughputDescription p) {
        return ProvisionedThroughput.builder().readCapacityUnits(p.readCapacityUnits()).writeCapacityUnits(p.writeCapacityUnits()).build();
    }
}
