package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.item.ItemSize;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbBatchWriterTest {
    private static final int KB = 1024;
    /** 19,000 distinct 38-digit numbers: about 380 KB billed, about 850 KB as JSON. */
    private static final AttributeValue BIG_NUMBER_SET;

    static {
        List<String> numbers = new ArrayList<>();
        for (int n = 0; n < 19_000; n++) {
            numbers.add("9" + String.format("%037d", n));
        }
        BIG_NUMBER_SET = AttributeValue.fromNs(numbers);
    }

    private static Map<String, AttributeValue> small(int i) {
        return Map.of("id", AttributeValue.fromS("item-" + i), "n", AttributeValue.fromN(Integer.toString(i)));
    }

    /** An item of about {@code rawBytes} billed bytes, almost all one binary attribute (base64 makes it 4/3 on the wire). */
    private static Map<String, AttributeValue> binary(int i, int rawBytes) {
        byte[] data = new byte[rawBytes];
        data[0] = (byte) i;
        return Map.of("id", AttributeValue.fromS("item-" + i), "data", AttributeValue.fromB(SdkBytes.fromByteArray(data)));
    }

    /** An item just under DynamoDB's 400 KB limit, as a number set: numbers are much larger on the wire than billed. */
    private static Map<String, AttributeValue> bigNumberSet(int i) {
        Map<String, AttributeValue> item = Map.of("id", AttributeValue.fromS("item-" + i), "ns", BIG_NUMBER_SET);
        assertTrue(ItemSize.billed(item) <= ItemSize.MAX_ITEM_BYTES, "a valid DynamoDB item: " + ItemSize.billed(item));
        return item;
    }

    private static void assertBatchesValid(List<Map<String, AttributeValue>> items,
                                           List<List<Map<String, AttributeValue>>> batches) {
        List<Map<String, AttributeValue>> flattened = new ArrayList<>();
        for (List<Map<String, AttributeValue>> batch : batches) {
            assertTrue(!batch.isEmpty(), "no empty batch");
            assertTrue(batch.size() <= DynamoDbBatchWriter.MAX_BATCH_ITEMS, "batch of " + batch.size() + " items");
            long wire = batch.stream().mapToLong(ItemSize::wire).sum();
            assertTrue(batch.size() == 1 || wire <= DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES,
                    "batch of " + batch.size() + " items has " + wire + " bytes on the wire");
            if (batch.size() > 1) {
                long json = batch.stream().mapToLong(i -> DynamoDbJson.write(i).getBytes(StandardCharsets.UTF_8).length).sum();
                assertTrue(json <= DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES,
                        "batch of " + batch.size() + " items has " + json + " bytes of JSON");
            }
            flattened.addAll(batch);
        }
        assertEquals(items.size(), flattened.size(), "every item exactly once");
        for (int i = 0; i < items.size(); i++) {
            assertSame(items.get(i), flattened.get(i), "item " + i + " kept in order");
        }
    }

    @Test
    void limitsAreThoseOfBatchWriteItem() {
        assertEquals(25, DynamoDbBatchWriter.MAX_BATCH_ITEMS);
        assertTrue(DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES < 16L * 1000 * 1000, "under the 16 MB request limit");
    }

    private static io.cutover.dynamodb.passthrough.RawItem raw(int i, String padding) {
        return io.cutover.dynamodb.passthrough.RawItem.of(Map.of("pk", AttributeValue.fromS("k" + i),
                "pad", AttributeValue.fromS(padding)), List.of("pk"));
    }

    @Test
    void rawItemsGoInBatchesOfTwentyFiveWhoseBodiesStayUnderTheRequestLimit() {
        List<io.cutover.dynamodb.passthrough.RawItem> small = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            small.add(raw(i, "p".repeat(100)));
        }
        assertEquals(List.of(25, 25, 10), DynamoDbBatchWriter.rawBatches("t", small).stream().map(List::size).toList());

        // 120 KB items as DynamoDB bills them, 720 KB as JSON (each control character is a six-byte escape): 25 of
        // them would break the request limit; a batch holds as many as fit, counted from the bodies themselves.
        List<io.cutover.dynamodb.passthrough.RawItem> large = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            large.add(raw(i, "\u0001".repeat(120_000)));
        }
        List<List<io.cutover.dynamodb.passthrough.RawItem>> batches = DynamoDbBatchWriter.rawBatches("t", large);
        assertEquals(80, batches.stream().mapToInt(List::size).sum());
        for (List<io.cutover.dynamodb.passthrough.RawItem> batch : batches) {
            long body = io.cutover.dynamodb.passthrough.BatchWriteBody.of("t", batch).length;
            assertTrue(body <= DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES, "body of " + body + " bytes");
            assertTrue(body + large.get(0).length() > DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES
                    || batch == batches.get(batches.size() - 1), "batches are filled: " + batch.size());
        }
        assertEquals(21, batches.get(0).size(), "21 bodies of 720 KB fit in 15 MiB");
    }

    @Test
    void noItemsMakeNoBatches() {
        assertEquals(List.of(), DynamoDbBatchWriter.batches(List.of()));
    }

    @Test
    void smallItemsGoInBatchesOfTwentyFive() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            items.add(small(i));
        }

        List<List<Map<String, AttributeValue>>> batches = DynamoDbBatchWriter.batches(items);

        assertBatchesValid(items, batches);
        assertEquals(List.of(25, 25, 25, 25, 1), batches.stream().map(List::size).toList());
    }

    @Test
    void exactlyTwentyFiveItemsAreOneBatch() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            items.add(small(i));
        }

        assertEquals(1, DynamoDbBatchWriter.batches(items).size());
    }

    @Test
    void largeBinaryItemsStayWithinBothLimits() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            items.add(binary(i, 390 * KB));
        }

        List<List<Map<String, AttributeValue>>> batches = DynamoDbBatchWriter.batches(items);

        assertBatchesValid(items, batches);
    }

    @Test
    void bigNumberSetsSplitBatchesByWireSizeBeforeTheItemCount() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            items.add(bigNumberSet(i));
        }
        long wireOfOne = ItemSize.wire(items.get(0));
        assertTrue(wireOfOne * DynamoDbBatchWriter.MAX_BATCH_ITEMS > DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES,
                "the test items must be too large for 25 in one request: " + wireOfOne);

        List<List<Map<String, AttributeValue>>> batches = DynamoDbBatchWriter.batches(items);

        assertBatchesValid(items, batches);
        assertTrue(batches.stream().allMatch(b -> b.size() < DynamoDbBatchWriter.MAX_BATCH_ITEMS),
                "the wire limit decides: " + batches.stream().map(List::size).toList());
        int perBatch = (int) (DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES / wireOfOne);
        assertEquals(perBatch, batches.get(0).size(), "a batch is filled up to the wire limit");
    }

    @Test
    void mixedSizesKeepEveryItemInOrderWithinBothLimits() {
        Random random = new Random(42);
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            switch (random.nextInt(4)) {
                case 0 -> items.add(small(i));
                case 1 -> items.add(binary(i, random.nextInt(390 * KB)));
                case 2 -> items.add(binary(i, 390 * KB));
                default -> items.add(i % 10 == 0 ? bigNumberSet(i) : small(i));
            }
        }

        List<List<Map<String, AttributeValue>>> batches = DynamoDbBatchWriter.batches(items);

        assertBatchesValid(items, batches);
    }

    @Test
    void singleItemLargerThanTheWireLimitStillGoesAloneRatherThanBeingDropped() {
        Map<String, AttributeValue> huge = binary(1, (int) DynamoDbBatchWriter.MAX_BATCH_WIRE_BYTES);
        List<Map<String, AttributeValue>> items = List.of(small(0), huge, small(2));

        List<List<Map<String, AttributeValue>>> batches = DynamoDbBatchWriter.batches(items);

        assertBatchesValid(items, batches);
        assertEquals(List.of(1, 1, 1), batches.stream().map(List::size).toList());
    }
}
