package io.cutover.sql.migrate;

import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.Mapping.Index;
import io.cutover.sql.mapping.Mapping.KeyAttribute;
import java.util.ArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** The DynamoDB table a mapping describes: keys, GSIs (on-demand), and TTL. */
public final class SqlTargetTable {
    private static final Logger LOG = LoggerFactory.getLogger(SqlTargetTable.class);
    private SqlTargetTable() {
    }

    public static CreateTableRequest createRequest(Mapping m, String table) {
        Map<String, AttributeDefinition> defs = new LinkedHashMap<>();
        for (KeyAttribute k : m.keyAttributes()) {
            defs.put(k.attribute(), AttributeDefinition.builder().attributeName(k.attribute())
                    .attributeType(ScalarAttributeType.fromValue(k.type().name())).build());
        }
        List<GlobalSecondaryIndex> gsis = new ArrayList<>();
        for (Index ix : m.indexes()) {
            Projection.Builder p = Projection.builder().projectionType(ProjectionType.fromValue(ix.projection()));
            if (ix.projection().equals("INCLUDE")) {
                p.nonKeyAttributes(ix.nonKeyAttributes());
            }
            gsis.add(GlobalSecondaryIndex.builder().indexName(ix.name()).keySchema(keySchema(ix.partitionKey(), ix.sortKey().orElse(null)))
                    .projection(p.build()).build());
        }
        CreateTableRequest.Builder b = CreateTableRequest.builder().tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(defs.values()).keySchema(keySchema(m.partitionKey(), m.sortKey().orElse(null)));
        if (!gsis.isEmpty()) {
            b.globalSecondaryIndexes(gsis);
        }
        return b.build();
    }

    private static List<KeySchemaElement> keySchema(KeyAttribute hash, KeyAttribute range) {
        List<KeySchemaElement> out = new ArrayList<>();
        out.add(KeySchemaElement.builder().attributeName(hash.attribute()).keyType(KeyType.HASH).build());
        if (range != null) {
            out.add(KeySchemaElement.builder().attributeName(range.attribute()).keyType(KeyType.RANGE).build());
        }
        return out;
    }

    /** The table's description, or null when it does not exist. */
    public static TableDescription describe(DynamoDbClient client, String table, RetryPolicy retry, ErrorClassifier classifier) {
        return retry.execute("DescribeTable " + table, a -> {
            try {
                return client.describeTable(b -> b.tableName(table)).table();
            } catch (ResourceNotFoundException e) {
                return null;
            }
        }, classifier, RetryListener.NONE);
    }

    /** Creates the table and waits until it is active, then turns TTL on. Returns what it did, for the report. */
    public static List<String> create(DynamoDbClient client, Mapping m, String table, RetryPolicy retry, ErrorClassifier classifier) {
        List<String> done = new ArrayList<>();
        // Every call is retried; a retry of a call whose answer was lost finds its work done (the table in use, TTL on).
        retry.execute("CreateTable " + table, a -> {
            try {
                client.createTable(createRequest(m, table));
            } catch (ResourceInUseException e) {
                LOG.info("table {} already being created (an earlier attempt whose answer was lost)", table);
            }
            return null;
        }, classifier, RetryListener.NONE);
        retry.execute("wait for table " + table, a -> client.waiter().waitUntilTableExists(b -> b.tableName(table)), classifier, RetryListener.NONE);
        done.add("created table " + table + " (on-demand" + (m.indexes().isEmpty() ? "" : ", " + m.indexes().size() + " GSIs") + ")");
        m.ttl().ifPresent(ttl -> {
            retry.execute("UpdateTimeToLive " + table, a -> {
                try {
                    client.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(s -> s.attributeName(ttl).enabled(true)));
                } catch (DynamoDbException e) {
                    if (!String.valueOf(e.getMessage()).contains("already enabled")) {
                        throw e;
                    }
                }
                return null;
            }, classifier, RetryListener.NONE);
            done.add("TTL on attribute " + ttl);
        });
        return done;
    }

    /** Why an existing table cannot take the mapping's items (different keys), or null. */
    public static String incompatibility(TableDescription d, Mapping m) {
        List<String> want = new ArrayList<>();
        want.add(m.partitionKey().attribute() + " HASH");
        m.sortKey().ifPresent(k -> want.add(k.attribute() + " RANGE"));
        List<String> have = d.keySchema().stream().map(k -> k.attributeName() + " " + k.keyTypeAsString()).toList();
        return have.equals(want) ? null : "target table " + d.tableName() + " has keys " + have + " but the mapping makes " + want
                + ": pass another --target-table, or delete that table";
    }
}
