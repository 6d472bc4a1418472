package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * A DynamoDB table as a {@link Store}: single-item PutItem, GetItem (strongly consistent), DeleteItem
 * and UpdateItem. The SDK client is the application's own (its credentials, its retry settings).
 */
public final class DynamoDbStore implements Store {
    private final DynamoDbClient client;
    private final String table;
    private final List<String> keyNames;

    public DynamoDbStore(DynamoDbClient client, String table, List<String> keyNames) {
        this.client = client;
        this.table = table;
        this.keyNames = List.copyOf(keyNames);
    }

    /** Reads the key schema from the table itself. */
    public static DynamoDbStore of(DynamoDbClient client, String table) {
        try {
            List<KeySchemaElement> schema = client.describeTable(b -> b.tableName(table)).table().keySchema();
            List<String> keys = schema.stream().sorted((a, b) -> a.keyType() == KeyType.HASH ? -1 : b.keyType() == KeyType.HASH ? 1 : 0)
                    .map(KeySchemaElement::attributeName).toList();
            return new DynamoDbStore(client, table, keys);
        } catch (SdkException e) {
            throw failure(table, "describe", e);
        }
    }

    @Override
    public String name() {
        return table;
    }

    @Override
    public List<String> keyNames() {
        return keyNames;
    }

    @Override
    public void put(Map<String, AttributeValue> item) {
        try {
            client.putItem(b -> b.tableName(table).item(item));
        } catch (SdkException e) {
            throw failure(table, "write to", e);
        }
    }

    @Override
    public Optional<Map<String, AttributeValue>> get(Map<String, AttributeValue> key) {
        try {
            Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).key(key).consistentRead(true)).item();
            return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
        } catch (SdkException e) {
            throw failure(table, "read from", e);
        }
    }

    @Override
    public void delete(Map<String, AttributeValue> key) {
        try {
            client.deleteItem(b -> b.tableName(table).key(key));
        } catch (SdkException e) {
            throw failure(table, "delete from", e);
        }
    }

    @Override
    public Map<String, AttributeValue> update(Map<String, AttributeValue> key, Update update) {
        try {
            return client.updateItem(b -> b.tableName(table).key(key).updateExpression(update.expression())
                    .expressionAttributeNames(update.names().isEmpty() ? null : update.names())
                    .expressionAttributeValues(update.values().isEmpty() ? null : update.values())
                    .returnValues(ReturnValue.ALL_NEW)).attributes();
        } catch (SdkException e) {
            throw failure(table, "update in", e);
        }
    }

    private static CutoverException failure(String table, String what, SdkException e) {
        ErrorCode code = e instanceof ResourceNotFoundException ? ErrorCode.TABLE_NOT_FOUND
                : e instanceof SdkClientException ? ErrorCode.TRANSIENT
                : e.retryable() ? ErrorCode.TRANSIENT : ErrorCode.REJECTED;
        return new CutoverException(code, "cannot " + what + " " + table + ": " + e.getMessage(), e);
    }
}
