package io.cutover.dynamodb.passthrough;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.cutover.core.CutoverException;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.item.ItemSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class RawScanParserTest {
    private static final List<String> KEYS = List.of("pk", "sk");

    /** A Scan response as DynamoDB writes one; {@code escapeNonAscii} makes the JSON longer than the text it holds. */
    static byte[] response(List<Map<String, AttributeValue>> items, Map<String, AttributeValue> lastKey, boolean escapeNonAscii)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonFactory f = JsonFactory.builder().configure(JsonWriteFeature.ESCAPE_NON_ASCII, escapeNonAscii).build();
        try (JsonGenerator g = f.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("Count", items.size());
            g.writeArrayFieldStart("Items");
            for (Map<String, AttributeValue> item : items) {
                DynamoDbJson.writeItem(g, item);
            }
            g.writeEndArray();
            if (lastKey != null) {
                g.writeFieldName("LastEvaluatedKey");
                DynamoDbJson.writeItem(g, lastKey);
            }
            g.writeNumberField("ScannedCount", items.size() + 3);
            g.writeObjectFieldStart("ConsumedCapacity");
            g.writeStringField("TableName", "t");
            g.writeNumberField("CapacityUnits", 12.5);
            g.writeEndObject();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void billedSizesKeysAndBytesOfRandomItemsMatchTheObjectPath(boolean escapeNonAscii) throws IOException {
        RandomItems random = new RandomItems(escapeNonAscii ? 7 : 11);
        for (int page = 0; page < 40; page++) {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                items.add(random.item(page * 100L + i));
            }
            Map<String, AttributeValue> last = Map.of("pk", items.get(49).get("pk"), "sk", items.get(49).get("sk"));
            byte[] body = response(items, last, escapeNonAscii);

            RawScanPage parsed = RawScanParser.parse(body, KEYS);

            assertEquals(items.size(), parsed.items().size());
            assertEquals(50, parsed.count());
            assertEquals(53, parsed.scannedCount());
            assertEquals(12.5, parsed.capacityUnits());
            assertEquals(last, parsed.lastEvaluatedKey());
            for (int i = 0; i < items.size(); i++) {
                Map<String, AttributeValue> item = items.get(i);
                RawItem raw = parsed.items().get(i);
                assertEquals(ItemSize.billed(item), raw.billed(), "billed size of item " + i + ": " + DynamoDbJson.write(item));
                assertEquals(Map.of("pk", item.get("pk"), "sk", item.get("sk")), raw.key());
                assertEquals(CanonicalItem.of(item), CanonicalItem.of(raw.toAttributeValues()), "the slice is the item");
                assertEquals(raw.length(), raw.json().getBytes(StandardCharsets.UTF_8).length);
            }
        }
    }

    @Test
    void theLastPageHasNoLastEvaluatedKeyAndAnEmptyPageNoItems() throws IOException {
        RawScanPage empty = RawScanParser.parse(response(List.of(), null, false), KEYS);
        assertTrue(empty.items().isEmpty());
        assertTrue(empty.lastEvaluatedKey().isEmpty());
        RawScanPage bare = RawScanParser.parse("{\"Count\":0,\"Items\":[],\"ScannedCount\":0}".getBytes(StandardCharsets.UTF_8), KEYS);
        assertTrue(bare.items().isEmpty());
        assertTrue(Double.isNaN(bare.capacityUnits()));
    }

    @Test
    void slicesAreTheExactBytesOfEachItem() {
        String a = "{\"pk\":{\"S\":\"a\\\"b\"},\"sk\":{\"N\":\"1\"},\"v\":{\"L\":[{\"NULL\":true},{\"M\":{}}]}}";
        String b = "{\"pk\":{\"S\":\"\\u00e9\"},\"sk\":{\"N\":\"2\"}}";
        byte[] body = ("{\"Items\":[" + a + " , " + b + "],\"Count\":2}").getBytes(StandardCharsets.UTF_8);

        RawScanPage page = RawScanParser.parse(body, KEYS);

        assertEquals(a, page.items().get(0).json());
        assertEquals(b, page.items().get(1).json());
        RawItem first = page.items().get(0);
        assertArrayEquals(a.getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOfRange(first.page(), first.offset(),
                first.offset() + first.length()));
        // "é" is one escape in the JSON but two bytes as DynamoDB bills it; "a\"b" is three characters.
        assertEquals(2 + 3 + 2 + 2 + 1 + (3 + 1 + 1 + 1 + 3), page.items().get(0).billed());
        assertEquals(2 + 2 + 2 + 2, page.items().get(1).billed());
    }

    @Test
    void readsOnlyTheBodysLengthOfAReusedBufferAndKeepsNoReferenceToIt() throws IOException {
        List<Map<String, AttributeValue>> items = List.of(new RandomItems(5).item(1), new RandomItems(6).item(2));
        byte[] body = response(items, null, false);
        byte[] buffer = java.util.Arrays.copyOf(body, body.length + 100);
        java.util.Arrays.fill(buffer, body.length, buffer.length, (byte) '}');

        RawScanPage page = RawScanParser.parse(buffer, body.length, KEYS);
        java.util.Arrays.fill(buffer, (byte) 0); // the next call reuses the buffer

        assertEquals(2, page.items().size());
        for (int i = 0; i < 2; i++) {
            assertEquals(CanonicalItem.of(items.get(i)), CanonicalItem.of(page.items().get(i).toAttributeValues()));
            assertTrue(page.items().get(i).page() != buffer);
        }
    }

    @Test
    void aCountThatDiffersFromTheItemsIsRefused() {
        byte[] body = "{\"Count\":2,\"Items\":[{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}]}".getBytes(StandardCharsets.UTF_8);
        CutoverException e = assertThrows(CutoverException.class, () -> RawScanParser.parse(body, KEYS));
        assertTrue(e.getMessage().contains("Count 2"), e.getMessage());
    }

    @Test
    void batchBodyHoldsTheItemsBytesUnchanged() throws IOException {
        RandomItems random = new RandomItems(3);
        List<Map<String, AttributeValue>> items = List.of(random.item(1), random.item(2), random.item(3));
        RawScanPage page = RawScanParser.parse(response(items, null, true), KEYS);

        byte[] body = BatchWriteBody.of("my-table.1", page.items());

        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        var puts = tree.get("RequestItems").get("my-table.1");
        assertEquals(3, puts.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(CanonicalItem.of(items.get(i)), CanonicalItem.of(DynamoDbJson.readItem(puts.get(i).get("PutRequest").get("Item"))));
        }
        String text = new String(body, StandardCharsets.UTF_8);
        assertTrue(text.contains(page.items().get(1).json()), "the item's JSON is copied as it came");
        assertEquals(BatchWriteBody.envelope("my-table.1") + 3 * BatchWriteBody.PER_ITEM - 1
                + page.items().stream().mapToInt(RawItem::length).sum(), body.length);
    }
}
