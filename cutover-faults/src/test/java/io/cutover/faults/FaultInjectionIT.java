package io.cutover.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.faults.FaultPlan.Fault;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The interceptor on a real client against DynamoDB Local: what Cutover's classifier makes of each fault, and a lost response whose write landed. */
class FaultInjectionIT {
    private static final Map<String, AttributeValue> KEY = Map.of("pk", AttributeValue.fromS("customer#1"), "sk", AttributeValue.fromS("order#1"));

    private static CutoverException classified(Fault fault) {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
        FaultInjectingInterceptor faults = new FaultInjectingInterceptor(new FaultPlan(1.0, 1, Set.of(fault), Set.of("GetItem")));
        try (DynamoDbClient client = DynamoDbClients.create(target, 2, faults)) {
            SdkException e = assertThrows(SdkException.class, () -> client.getItem(b -> b.tableName("none").key(KEY)));
            return new DynamoDbErrorClassifier(target).classify(e);
        }
    }

    @Test
    void eachInjectedFaultIsClassifiedAsTheServicesOwnWouldBe() {
        assertEquals(ErrorCode.THROTTLED, classified(Fault.THROTTLE).code());
        assertEquals(ErrorCode.TRANSIENT, classified(Fault.SERVER_ERROR).code());
        assertEquals(ErrorCode.TRANSIENT, classified(Fault.SERVICE_UNAVAILABLE).code());
        assertEquals(ErrorCode.TRANSIENT, classified(Fault.TIMEOUT).code());
    }

    @Test
    void aLostResponseFailsTheCallAfterTheWriteLanded() {
        LocalDynamoDb db = LocalTables.shared();
        String table = LocalTables.uniqueName("faults");
        DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
        FaultInjectingInterceptor faults = new FaultInjectingInterceptor(new FaultPlan(1.0, 1, Set.of(Fault.LOST_RESPONSE), Set.of("PutItem")));
        try (DynamoDbClient plain = DynamoDbClients.create(target, 2); DynamoDbClient faulty = DynamoDbClients.create(target, 2, faults)) {
            LocalTables.create(plain, SampleItems.plainTable(table));
            Map<String, AttributeValue> item = new HashMap<>(KEY);
            item.put("v", AttributeValue.fromS("landed"));
            SdkException e = assertThrows(SdkException.class, () -> faulty.putItem(b -> b.tableName(table).item(item)));
            assertEquals(ErrorCode.TRANSIENT, new DynamoDbErrorClassifier(target).classify(e).code());
            assertEquals("landed", plain.getItem(b -> b.tableName(table).key(KEY).consistentRead(true)).item().get("v").s());
            assertEquals(1, faults.injected().get(Fault.LOST_RESPONSE));
        }
    }
}
