package io.cutover.dynamodb;

import io.cutover.core.copy.Position;
import io.cutover.core.item.DynamoDbJson;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Where a scan segment stands: the LastEvaluatedKey of the last page whose items were all acknowledged. */
public record ScanPosition(Map<String, AttributeValue> lastEvaluatedKey) implements Position {
    public ScanPosition {
        lastEvaluatedKey = Map.copyOf(lastEvaluatedKey);
    }

    @Override
    public String encode() {
        return DynamoDbJson.write(lastEvaluatedKey);
    }

    public static ScanPosition decode(String encoded) {
        return new ScanPosition(DynamoDbJson.read(encoded));
    }
}
