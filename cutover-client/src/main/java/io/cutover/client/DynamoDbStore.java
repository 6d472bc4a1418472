package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * A DynamoDB table as a {@link VersionedStore}: single-item PutItem, GetItem (strongly consistent), DeleteItem
 * and UpdateItem. The SDK client is the application's own (its credentials, its retry settings).
 */
public final class DynamoDbStore implements VersionedStore {
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

    @Override
    public boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute version) {
        Optional<String> v = version.versionOf(item);
        try {
            client.putItem(b -> b.tableName(table).item(item).conditionExpression(v.isPresent() ? VersionAttribute.NEWER
                    : VersionAttribute.UNVERSIONED_ONLY).expressionAttributeNames(version.names())
                    .expressionAttributeValues(v.map(version::values).orElse(null)));
            return true;
        } catch (ConditionalCheckFailedException newer) {
            return false;
        } catch (SdkException e) {
            throw failure(table, "write to", e);
        }
    }

    @Override
    public Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                               VersionAttribute version) {
        Map<String, String> names = new HashMap<>(update.names());
        names.putAll(version.names());
        names.put(TOMBSTONE_NAME, version.tombstone());
        Map<String, AttributeValue> values = new HashMap<>(update.values());
        values.putAll(version.values(newVersion.encoded()));
        try {
            return Optional.of(client.updateItem(b -> b.tableName(table).key(key).updateExpression(versioned(update.expression()))
                    .conditionExpression(VersionAttribute.NEWER).expressionAttributeNames(names).expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW)).attributes());
        } catch (ConditionalCheckFailedException newer) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure(table, "update in", e);
        }
    }

    @Override
    public boolean deleteUnversioned(Map<String, AttributeValue> key, VersionAttribute version) {
        try {
            client.deleteItem(b -> b.tableName(table).key(key).conditionExpression(VersionAttribute.UNVERSIONED_ONLY)
                    .expressionAttributeNames(version.names()));
            return true;
        } catch (ConditionalCheckFailedException versioned) {
            return false;
        } catch (SdkException e) {
            throw failure(table, "delete from", e);
        }
    }

    private static final String TOMBSTONE_NAME = "#cutover_t";
    private static final Pattern SET = Pattern.compile("(?i)(?<![#:\\w])SET\\s+");
    private static final Pattern REMOVE = Pattern.compile("(?i)(?<![#:\\w])REMOVE\\s+");

    /** The application's update expression, also setting the version and removing the tombstone flag (each clause once). */
    static String versioned(String expression) {
        String out = insertInto(expression, SET, "#cutover_v = :cutover_v");
        return insertInto(out, REMOVE, TOMBSTONE_NAME);
    }

    private static String insertInto(String expression, Pattern clause, String action) {
        Matcher m = clause.matcher(expression);
        if (m.find()) {
            return expression.substring(0, m.end()) + action + ", " + expression.substring(m.end());
        }
        return expression + " " + (clause == SET ? "SET " : "REMOVE ") + action;
    }

    private static CutoverException failure(String table, String what, SdkException e) {
        ErrorCode code = e instanceof ResourceNotFoundException ? ErrorCode.TABLE_NOT_FOUND
                : e instanceof SdkClientException ? ErrorCode.TRANSIENT
                : e.retryable() ? ErrorCode.TRANSIENT : ErrorCode.REJECTED;
        return new CutoverException(code, "cannot " + what + " " + table + ": " + e.getMessage(), e);
    }
}
