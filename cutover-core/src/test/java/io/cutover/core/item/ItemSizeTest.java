package io.cutover.core.item;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ItemSizeTest {

    private static long jsonBytes(Map<String, AttributeValue> item) {
        return DynamoDbJson.write(item).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void billedSizeOfAStringIsNameBytesPlusValueBytes() {
        assertEquals(5, ItemSize.billed(Map.of("id", AttributeValue.fromS("abc"))));
        assertEquals(2, ItemSize.billed(Map.of("id", AttributeValue.fromS(""))));
        assertEquals(4 + 11, ItemSize.billed(Map.of("name", AttributeValue.fromS("hello world"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "é", "héllo", "日本語", "😀", "a😀b", "𝄞 music", "mixed ü 中 😀 text", "\u07ff\u0800\uffff"})
    void billedStringSizeCountsUtf8Bytes(String s) {
        long expected = "név".getBytes(StandardCharsets.UTF_8).length + s.getBytes(StandardCharsets.UTF_8).length;

        assertEquals(expected, ItemSize.billed(Map.of("név", AttributeValue.fromS(s))));
    }

    @Test
    void billedSizeOfItemIsTheSumOfItsAttributes() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("id", AttributeValue.fromS("abc"));
        item.put("flag", AttributeValue.fromBool(true));
        item.put("gone", AttributeValue.fromNul(true));
        item.put("data", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[10])));

        assertEquals((2 + 3) + (4 + 1) + (4 + 1) + (4 + 10), ItemSize.billed(item));
    }

    @Test
    void billedSizeOfBinaryIsItsRawLengthNotBase64() {
        assertEquals(1 + 1000, ItemSize.billed(Map.of("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[1000])))));
        assertEquals(1 + 3 + 4, ItemSize.billed(Map.of("b", AttributeValue.fromBs(List.of(
                SdkBytes.fromByteArray(new byte[3]), SdkBytes.fromByteArray(new byte[4]))))));
    }

    @Test
    void billedSizeOfNumbersIsAboutOneBytePerTwoDigitsPlusOne() {
        // DynamoDB: 1 byte per two significant digits, plus 1.
        long small = ItemSize.billed(Map.of("n", AttributeValue.fromN("7"))) - 1;
        long big = ItemSize.billed(Map.of("n", AttributeValue.fromN("12345678901234567890123456789012345678"))) - 1;

        assertTrue(small >= 1 && small <= 2, "a one-digit number is 1 to 2 bytes, was " + small);
        assertTrue(big >= 20 && big <= 21, "a 38-digit number is about 20 bytes, was " + big);
    }

    @Test
    void billedSizeOfSetsIsTheSumOfTheirElements() {
        assertEquals(2 + 1 + 2 + 3, ItemSize.billed(Map.of("ss", AttributeValue.fromSs(List.of("a", "bb", "ccc")))));
    }

    @Test
    void billedSizeOfDocumentsAddsOverheadPerElement() {
        long flat = ItemSize.billed(Map.of("a", AttributeValue.fromS("xy")));
        long inMap = ItemSize.billed(Map.of("m", AttributeValue.fromM(Map.of("a", AttributeValue.fromS("xy")))));
        long inList = ItemSize.billed(Map.of("l", AttributeValue.fromL(List.of(AttributeValue.fromS("xy")))));

        // DynamoDB: 3 bytes per document plus 1 per element, on top of names and values.
        assertEquals(1 + 3 + 1 + flat, inMap);
        assertEquals(1 + 3 + 1 + 2, inList);
    }

    @Test
    void wireSizeIsAtLeastBilledSizeForStrings() {
        Random random = new Random(1234);
        int[][] ranges = {{0x20, 0x7e}, {0xa0, 0x7ff}, {0x800, 0xd7ff}, {0x1f600, 0x1f64f}};
        for (int i = 0; i < 500; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(300);
            for (int c = 0; c < length; c++) {
                int[] range = ranges[random.nextInt(ranges.length)];
                s.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
            }
            Map<String, AttributeValue> item = Map.of("k" + i, AttributeValue.fromS(s.toString()),
                    "set", AttributeValue.fromSs(List.of(s.toString(), "other")));

            assertTrue(ItemSize.wire(item) >= ItemSize.billed(item), "wire < billed for " + s);
        }
    }

    @Test
    void wireSizeIsAnUpperBoundOfTheItemsDynamoDbJson() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("id", AttributeValue.fromS("user#0001"));
        item.put("text", AttributeValue.fromS("ünïcödé 日本 😀 \"quoted\" and \\ slashes \n"));
        item.put("n", AttributeValue.fromN("-12345678901234567890123456789012345678"));
        item.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[1001])));
        item.put("flag", AttributeValue.fromBool(false));
        item.put("nothing", AttributeValue.fromNul(true));
        item.put("ss", AttributeValue.fromSs(List.of("a", "b", "c")));
        item.put("ns", AttributeValue.fromNs(List.of("1", "2.5", "3E10")));
        item.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[5]), SdkBytes.fromByteArray(new byte[0]))));
        item.put("l", AttributeValue.fromL(List.of(AttributeValue.fromS("x"), AttributeValue.fromN("1"),
                AttributeValue.fromM(Map.of("deep", AttributeValue.fromBool(true))))));
        item.put("m", AttributeValue.fromM(Map.of("a", AttributeValue.fromS("b"), "c", AttributeValue.fromL(List.of()))));

        assertTrue(ItemSize.wire(item) >= jsonBytes(item), "wire " + ItemSize.wire(item) + " < JSON " + jsonBytes(item));
    }

    @Test
    void binaryWireSizeAccountsForBase64Growth() {
        for (int n : new int[] {0, 1, 2, 3, 4, 100, 1000, 390 * 1024}) {
            Map<String, AttributeValue> item = Map.of("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[n])));
            long base64 = 4L * ((n + 2) / 3);

            long wire = ItemSize.wire(item);

            assertTrue(wire >= base64 + 1, "binary of " + n + " bytes: wire " + wire + " < base64 " + base64);
            assertTrue(wire >= jsonBytes(item), "binary of " + n + " bytes: wire " + wire + " < JSON " + jsonBytes(item));
            assertTrue(wire <= base64 + 64, "estimate stays close for " + n + " bytes: " + wire);
        }
        long big = ItemSize.wire(Map.of("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[300_000]))));
        assertTrue(big >= 400_000, "300 KB of binary is 400 KB of base64, estimate " + big);
    }

    @Test
    void binarySetWireSizeAccountsForBase64GrowthOfEveryElement() {
        List<SdkBytes> elements = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            elements.add(SdkBytes.fromByteArray(new byte[] {(byte) i, (byte) (i >> 8), 7}));
        }
        Map<String, AttributeValue> item = Map.of("bs", AttributeValue.fromBs(elements));

        assertTrue(ItemSize.wire(item) >= 100 * 4, "100 elements of 3 bytes are 400 base64 characters");
        assertTrue(ItemSize.wire(item) >= jsonBytes(item));
    }

    @Test
    void numberSetWireSizeIsAnUpperBoundOfItsJson() {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            numbers.add("1234567890123456789012345678901234567" + (i % 10) + "E-" + i % 100);
        }
        Map<String, AttributeValue> item = Map.of("ns", AttributeValue.fromNs(numbers));

        assertTrue(ItemSize.wire(item) >= jsonBytes(item));
        assertTrue(ItemSize.wire(item) > ItemSize.billed(item), "numbers travel as text, larger than they are billed");
    }

    @Test
    void emptyItemIsSmall() {
        assertEquals(0, ItemSize.billed(Map.of()));
        assertTrue(ItemSize.wire(Map.of()) >= 2);
    }

    @Test
    void maxItemBytesIsDynamoDbsFourHundredKilobytes() {
        assertEquals(409_600, ItemSize.MAX_ITEM_BYTES);
    }
}
