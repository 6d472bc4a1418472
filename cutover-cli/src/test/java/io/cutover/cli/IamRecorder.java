package io.cutover.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * A global SDK interceptor of the cli module's tests (registered in
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}): while {@link #start} is in force, records every
 * DynamoDB and DynamoDB Streams request as IAM would authorize it: the principal (the access key id the request was signed
 * with), the IAM action (a transaction as the actions of its items, as IAM authorizes it), the resource ARN and, for the
 * registry table, the partition keys the request touches ({@code dynamodb:LeadingKeys}). Runs on the SDK's calling
 * threads; never changes a request.
 */
public final class IamRecorder implements ExecutionInterceptor {
    /** One authorization IAM would make. */
    public record Call(String principal, String action, String resource, Set<String> leadingKeys) {
    }

    static final String REGION = "us-east-1";
    static final String ACCOUNT = "000000000000";
    /** The resource of GetRecords: the stream of the iterator, which the request does not name; resolved to every stream the principal opened. */
    static final String STREAMS_OPENED = "streams-opened-by-the-principal";
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/]+)/");
    private static final Pattern TABLE_IN_ARN = Pattern.compile("table/([^/]+)(/stream/([^/]+))?");
    private static final Pattern PARTITION_VALUE = Pattern.compile("\\bapp\\s*=\\s*(:\\w+)");

    private static volatile List<Call> calls;
    private static volatile String registryTable;

    /** Starts recording; {@code registry} is the table whose partition key ({@code app}) is recorded as leading keys. */
    static void start(String registry) {
        registryTable = registry;
        calls = new CopyOnWriteArrayList<>();
    }

    static List<Call> stop() {
        List<Call> out = calls == null ? List.of() : List.copyOf(calls);
        calls = null;
        return out;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        List<Call> sink = calls;
        if (sink == null) {
            return;
        }
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        Optional<String> auth = context.httpRequest().firstMatchingHeader("Authorization");
        Matcher m = CREDENTIAL.matcher(auth.orElse(""));
        String principal = m.find() ? m.group(1) : "unsigned";
        for (Call c : calls(principal, operation, context.request())) {
            sink.add(c);
        }
    }

    private static List<Call> calls(String principal, String operation, SdkRequest request) {
        List<Call> out = new ArrayList<>();
        if (request instanceof TransactWriteItemsRequest t) {
            for (TransactWriteItem i : t.transactItems()) {
                if (i.put() != null) {
                    out.add(item(principal, "PutItem", i.put().tableName(), i.put().item()));
                } else if (i.update() != null) {
                    out.add(item(principal, "UpdateItem", i.update().tableName(), i.update().key()));
                } else if (i.delete() != null) {
                    out.add(item(principal, "DeleteItem", i.delete().tableName(), i.delete().key()));
                } else if (i.conditionCheck() != null) {
                    out.add(item(principal, "ConditionCheckItem", i.conditionCheck().tableName(), i.conditionCheck().key()));
                }
            }
        } else if (request instanceof TransactGetItemsRequest t) {
            t.transactItems().forEach(i -> out.add(item(principal, "GetItem", i.get().tableName(), i.get().key())));
        } else if (request instanceof GetItemRequest r) {
            out.add(item(principal, operation, r.tableName(), r.key()));
        } else if (request instanceof PutItemRequest r) {
            out.add(item(principal, operation, r.tableName(), r.item()));
        } else if (request instanceof DeleteItemRequest r) {
            out.add(item(principal, operation, r.tableName(), r.key()));
        } else if (request instanceof UpdateItemRequest r) {
            out.add(item(principal, operation, r.tableName(), r.key()));
        } else if (request instanceof QueryRequest r) {
            Set<String> keys = new TreeSet<>();
            Matcher m = PARTITION_VALUE.matcher(r.keyConditionExpression() == null ? "" : r.keyConditionExpression());
            if (r.tableName().equals(registryTable) && m.find() && r.expressionAttributeValues().containsKey(m.group(1))) {
                keys.add(r.expressionAttributeValues().get(m.group(1)).s());
            }
            out.add(new Call(principal, "dynamodb:Query", table(r.tableName()) + (r.indexName() != null ? "/index/" + r.indexName() : ""), keys));
        } else if (request instanceof BatchWriteItemRequest r) {
            r.requestItems().keySet().forEach(t -> out.add(new Call(principal, "dynamodb:BatchWriteItem", table(t), Set.of())));
        } else if (request instanceof BatchGetItemRequest r) {
            r.requestItems().keySet().forEach(t -> out.add(new Call(principal, "dynamodb:BatchGetItem", table(t), Set.of())));
        } else if (operation.equals("GetRecords")) {
            out.add(new Call(principal, "dynamodb:GetRecords", STREAMS_OPENED, Set.of()));
        } else {
            out.add(new Call(principal, "dynamodb:" + operation, resource(request), Set.of()));
        }
        return out;
    }

    private static Call item(String principal, String operation, String table, Map<String, AttributeValue> key) {
        Set<String> keys = new TreeSet<>();
        if (table.equals(registryTable) && key.containsKey("app")) {
            keys.add(key.get("app").s());
        }
        return new Call(principal, "dynamodb:" + operation, table(table), keys);
    }

    /** The resource of a table-level request: its table, its stream, or "*" for account-level requests (ListTables, ListStreams). */
    private static String resource(SdkRequest request) {
        Optional<String> table = request.getValueForField("TableName", String.class);
        if (table.isPresent()) {
            return table(table.get());
        }
        Optional<String> arn = request.getValueForField("StreamArn", String.class).or(() -> request.getValueForField("ResourceArn", String.class));
        if (arn.isPresent()) {
            Matcher m = TABLE_IN_ARN.matcher(arn.get());
            if (m.find()) {
                return table(m.group(1)) + (m.group(2) != null ? "/stream/" + m.group(3) : "");
            }
            return arn.get();
        }
        return "*";
    }

    static String table(String name) {
        return "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + name;
    }
}
