package io.cutover.dynamodb.passthrough;

import io.cutover.core.item.DynamoDbJson;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One item of a Scan page kept as the bytes DynamoDB sent: its DynamoDB JSON (copied out of the page's
 * response body as it was), its key (for unprocessed items, dead letters and
 * accounting) and its billed size, worked out while the page was parsed with the rules of
 * {@link io.cutover.core.item.ItemSize#billed}. Immutable: {@code page} is never written to.
 *
 * @param page   the array holding the item's JSON
 * @param offset where the item's JSON object starts in {@code page}
 * @param length the item's JSON length in bytes: its size on the wire
 * @param key    the item's key attributes
 * @param billed the item's size as DynamoDB counts it
 */
public record RawItem(byte[] page, int offset, int length, Map<String, AttributeValue> key, long billed) {
    /** The item as attribute values: for the rare paths (an item the service refuses, dead letters), never per item. */
    public Map<String, AttributeValue> toAttributeValues() {
        return DynamoDbJson.read(json());
    }

    public String json() {
        return new String(page, offset, length, StandardCharsets.UTF_8);
    }

    /** An item that only exists as attribute values (one the service handed back that matches no raw item). */
    public static RawItem of(Map<String, AttributeValue> item, Iterable<String> keyNames) {
        byte[] json = DynamoDbJson.write(item).getBytes(StandardCharsets.UTF_8);
        Map<String, AttributeValue> key = new java.util.LinkedHashMap<>();
        for (String k : keyNames) {
            key.put(k, item.get(k));
        }
        return new RawItem(json, 0, json.length, Map.copyOf(key), io.cutover.core.item.ItemSize.billed(item));
    }
}
