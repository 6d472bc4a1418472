package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Creates the target table for a collection (on-demand capacity; key types from the collection's first
 * document, S when it is empty) or checks that an existing one has the mapping's key attributes, and
 * waits until it is ACTIVE. Idempotent, so a caller may retry it whole: a CreateTable whose response
 * was lost finds the table on the next try.
 */
public final class MongoTargetTable {
    private MongoTargetTable() {
    }

    public static void ensure(DynamoDbClient client, String table, MongoCollectionSource source) {
        DocumentMapping m = source.mapper().mapping();
        TableDescription existing = describe(client, table);
        if (existing != null) {
            List<String> keys = existing.keySchema().stream().sorted((a, b) -> a.keyTypeAsString().compareTo(b.keyTypeAsString()))
                    .map(KeySchemaElement::attributeName).toList();
            if (!keys.equals(m.keyAttributes())) {
                throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "target table '" + table + "' has the key " + keys
                        + " but the mapping gives " + m.keyAttributes() + ": check --key-attribute and --sort-key-field, or use another --target-table");
            }
            if (existing.tableStatus() != software.amazon.awssdk.services.dynamodb.model.TableStatus.ACTIVE) {
                client.waiter().waitUntilTableExists(b -> b.tableName(table));
            }
            return;
        }
        List<AttributeDefinition> defs = keyDefinitions(source);
        List<KeySchemaElement> schema = new ArrayList<>();
        schema.add(KeySchemaElement.builder().attributeName(m.keyAttribute()).keyType(KeyType.HASH).build());
        if (m.sortAttribute().isPresent()) {
            schema.add(KeySchemaElement.builder().attributeName(m.sortAttribute().get()).keyType(KeyType.RANGE).build());
        }
        client.createTable(b -> b.tableName(table).keySchema(schema).attributeDefinitions(defs).billingMode(BillingMode.PAY_PER_REQUEST));
        client.waiter().waitUntilTableExists(b -> b.tableName(table));
    }

    /**
     * The key attributes' definitions, partition key first: their types from the collection's first document (S when it is
     * empty or its key does not map). What the target table is created with, and what an archive snapshot records.
     */
    public static List<AttributeDefinition> keyDefinitions(MongoCollectionSource source) {
        DocumentMapping m = source.mapper().mapping();
        BsonDocument first = source.first();
        Map<String, AttributeValue> key = null;
        if (first != null) {
            try {
                key = source.mapper().key(first);
            } catch (UnmappableDocumentException e) {
                // fall back to strings
            }
        }
        List<AttributeDefinition> defs = new ArrayList<>();
        defs.add(AttributeDefinition.builder().attributeName(m.keyAttribute()).attributeType(type(key, m.keyAttribute())).build());
        if (m.sortAttribute().isPresent()) {
            String s = m.sortAttribute().get();
            defs.add(AttributeDefinition.builder().attributeName(s).attributeType(type(key, s)).build());
        }
        return defs;
    }

    private static ScalarAttributeType type(Map<String, AttributeValue> key, String attribute) {
        AttributeValue v = key == null ? null : key.get(attribute);
        if (v == null || v.s() != null) {
            return ScalarAttributeType.S;
        }
        return v.n() != null ? ScalarAttributeType.N : ScalarAttributeType.B;
    }

    static TableDescription describe(DynamoDbClient client, String table) {
        try {
            return client.describeTable(b -> b.tableName(table)).table();
        } catch (ResourceNotFoundException e) {
            return null;
        }
    }
}
