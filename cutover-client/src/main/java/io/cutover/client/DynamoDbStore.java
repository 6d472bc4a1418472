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
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

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
    public boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute version, Condition condition) {
        Optional<String> v = version.versionOf(item);
        Guard g = guard(v, version, condition, Map.of(), Map.of());
        try {
            client.putItem(b -> b.tableName(table).item(item).conditionExpression(g.expression()).expressionAttributeNames(g.names())
                    .expressionAttributeValues(g.values().isEmpty() ? null : g.values()));
            return true;
        } catch (ConditionalCheckFailedException refused) {
            return olderOrConditionFailed(keyOf(item), v, version, condition, "put");
        } catch (SdkException e) {
            throw failure(table, "write to", e);
        }
    }

    @Override
    public Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                               VersionAttribute version, Condition condition) {
        Guard g = guard(Optional.of(newVersion.encoded()), version, condition, withTombstoneName(update.names(), version),
                update.values());
        try {
            return Optional.of(client.updateItem(b -> b.tableName(table).key(key).updateExpression(versioned(update.expression()))
                    .conditionExpression(g.expression()).expressionAttributeNames(g.names()).expressionAttributeValues(g.values())
                    .returnValues(ReturnValue.ALL_NEW)).attributes());
        } catch (ConditionalCheckFailedException refused) {
            olderOrConditionFailed(key, Optional.of(newVersion.encoded()), version, condition, "update");
            return Optional.empty();
        } catch (SdkException e) {
            throw failure(table, "update in", e);
        }
    }

    @Override
    public boolean transactIfNewer(List<Write> writes, Version newVersion, VersionAttribute version) {
        Optional<String> v = Optional.of(newVersion.encoded());
        List<TransactWriteItem> items = new java.util.ArrayList<>();
        for (Write w : writes) {
            items.add(transactItem(w, v, newVersion, version));
        }
        try {
            client.transactWriteItems(b -> b.transactItems(items));
            return true;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            for (int i = 0; i < reasons.size() && i < writes.size(); i++) {
                if ("ConditionalCheckFailed".equals(reasons.get(i).code())) {
                    Write w = writes.get(i);
                    String what = "write " + (i + 1) + " of the transaction";
                    if (w instanceof Check) {
                        throw conditionFailed(keyOf(w.keyOrItem()), what);
                    }
                    return olderOrConditionFailed(keyOf(w.keyOrItem()), v, version, w.condition(), what);
                }
            }
            throw new CutoverException(ErrorCode.TRANSIENT, "the transaction on " + table + " was cancelled (" + e.getMessage()
                    + "); try again", e);
        } catch (SdkException e) {
            throw failure(table, "write a transaction to", e);
        }
    }

    private TransactWriteItem transactItem(Write w, Optional<String> v, Version newVersion, VersionAttribute version) {
        Condition c = w.condition();
        if (w instanceof Put p) {
            Guard g = guard(v, version, c, Map.of(), Map.of());
            return TransactWriteItem.builder().put(b -> b.tableName(table).item(version.stamp(p.item(), newVersion))
                    .conditionExpression(g.expression()).expressionAttributeNames(g.names()).expressionAttributeValues(g.values())).build();
        }
        if (w instanceof Delete d) {
            Guard g = guard(v, version, c, Map.of(), Map.of());
            return TransactWriteItem.builder().put(b -> b.tableName(table).item(version.tombstoneOf(keyOf(d.key()), newVersion))
                    .conditionExpression(g.expression()).expressionAttributeNames(g.names()).expressionAttributeValues(g.values())).build();
        }
        if (w instanceof Change ch) {
            Guard g = guard(v, version, c, withTombstoneName(ch.update().names(), version), ch.update().values());
            return TransactWriteItem.builder().update(b -> b.tableName(table).key(keyOf(ch.key()))
                    .updateExpression(versioned(ch.update().expression())).conditionExpression(g.expression())
                    .expressionAttributeNames(g.names()).expressionAttributeValues(g.values())).build();
        }
        Guard g = userGuard(version, c);
        return TransactWriteItem.builder().conditionCheck(b -> b.tableName(table).key(keyOf(w.keyOrItem()))
                .conditionExpression(g.expression()).expressionAttributeNames(g.names().isEmpty() ? null : g.names())
                .expressionAttributeValues(g.values().isEmpty() ? null : g.values())).build();
    }

    private static Map<String, String> withTombstoneName(Map<String, String> names, VersionAttribute version) {
        Map<String, String> out = new HashMap<>(names);
        out.put(TOMBSTONE_NAME, version.tombstone());
        return out;
    }

    /** A condition and its names and values, as one request takes them. */
    private record Guard(String expression, Map<String, String> names, Map<String, AttributeValue> values) {
    }

    /** The version rule, and the application's condition (if any) evaluated with tombstones as absent items. */
    private Guard guard(Optional<String> v, VersionAttribute version, Condition condition, Map<String, String> moreNames,
                        Map<String, AttributeValue> moreValues) {
        String rule = v.isPresent() ? VersionAttribute.NEWER : VersionAttribute.UNVERSIONED_ONLY;
        Map<String, String> names = new HashMap<>(moreNames);
        names.putAll(version.names());
        Map<String, AttributeValue> values = new HashMap<>(moreValues);
        v.ifPresent(x -> values.putAll(version.values(x)));
        if (condition == null) {
            return new Guard(rule, names, values);
        }
        Guard user = userGuard(version, condition);
        names.putAll(user.names());
        values.putAll(user.values());
        return new Guard(parenthesized(user.expression()) + " AND (" + rule + ")", names, values);
    }

    /** The expression in parentheses, unless it already is in one pair (DynamoDB refuses redundant parentheses). */
    static String parenthesized(String expression) {
        String e = expression.trim();
        if (e.startsWith("(")) {
            int depth = 0;
            for (int i = 0; i < e.length(); i++) {
                depth += e.charAt(i) == '(' ? 1 : e.charAt(i) == ')' ? -1 : 0;
                if (depth == 0) {
                    if (i == e.length() - 1) {
                        return e;
                    }
                    break;
                }
            }
        }
        return "(" + e + ")";
    }

    /** The application's condition, with existence checks of key attributes treating a tombstone as an absent item. */
    private Guard userGuard(VersionAttribute version, Condition condition) {
        Map<String, String> names = new HashMap<>(condition.names());
        Map<String, AttributeValue> values = new HashMap<>(condition.values());
        Matcher m = EXISTS.matcher(condition.expression());
        StringBuilder out = new StringBuilder();
        boolean touched = false;
        boolean usesTrue = false;
        while (m.find()) {
            String ref = m.group(2);
            String name = ref.startsWith("#") ? condition.names().get(ref) : ref;
            String replacement = m.group(0);
            if (keyNames.contains(name)) {
                touched = true;
                usesTrue |= m.group(1) != null;
                replacement = m.group(1) != null ? "(" + m.group(0) + " OR " + TOMBSTONE_NAME + " = :cutover_true)"
                        : "(" + m.group(0) + " AND attribute_not_exists(" + TOMBSTONE_NAME + "))";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        if (touched) {
            names.put(TOMBSTONE_NAME, version.tombstone());
        }
        if (usesTrue) {
            values.put(":cutover_true", AttributeValue.fromBool(true));
        }
        return new Guard(out.toString(), names, values);
    }

    /**
     * After a refused conditional write: false if the stored version is at least as new as the write's (another writer won;
     * the caller retries with a newer version), otherwise the application's condition was false.
     */
    private boolean olderOrConditionFailed(Map<String, AttributeValue> key, Optional<String> v, VersionAttribute version,
                                           Condition condition, String what) {
        if (condition == null) {
            return false;
        }
        Optional<String> stored = get(key).flatMap(version::versionOf);
        if (stored.isPresent() && (v.isEmpty() || stored.get().compareTo(v.get()) >= 0)) {
            return false;
        }
        throw conditionFailed(key, what);
    }

    private CutoverException conditionFailed(Map<String, AttributeValue> key, String what) {
        return new CutoverException(ErrorCode.CONDITION_FAILED, "the condition of the " + what + " of " + keyNames.stream()
                .map(k -> k + "=" + describe(key.get(k))).toList() + " in " + table + " was false: nothing was written on either site");
    }

    private static String describe(AttributeValue v) {
        return v == null ? "?" : v.s() != null ? v.s() : v.n() != null ? v.n() : "(binary)";
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
    private static final Pattern EXISTS = Pattern.compile("(?i)attribute_(not_)?exists\\s*\\(\\s*([#A-Za-z0-9_.-]+)\\s*\\)");

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
