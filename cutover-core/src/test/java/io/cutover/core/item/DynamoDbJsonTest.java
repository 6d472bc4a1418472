package io.cutover.core.item;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbJsonTest {

    private static Map<String, AttributeValue> roundTrip(Map<String, AttributeValue> item) {
        String json = DynamoDbJson.write(item);
        Map<String, AttributeValue> back = DynamoDbJson.read(json);
        assertEquals(item, back, "round trip through " + json);
        assertEquals(json, DynamoDbJson.write(back), "writing what was read gives the same text");
        return back;
    }

    private static SdkBytes bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return SdkBytes.fromByteArray(b);
    }

    @Test
    void writesTheDocumentedDynamoDbJsonFormat() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("id", AttributeValue.fromS("a"));
        item.put("n", AttributeValue.fromN("1.50"));

        assertEquals("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}", DynamoDbJson.write(item));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "plain ascii", "héllo wörld", "日本語のテキスト", "emoji 😀👍🏽 and 𝄞",
            "quotes \" and \\ backslashes", "control \u0000 \u0001 \n \t \r chars", "\u2028\u2029", "{\"S\":\"x\"}"})
    void roundTripsStringsExactly(String s) {
        Map<String, AttributeValue> back = roundTrip(Map.of("s", AttributeValue.fromS(s)));
        assertEquals(s, back.get("s").s());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0", "1", "1.0", "1.50", "0.00", "-17", "12345678901234567890123456789012345678",
            "-0.12345678901234567890123456789012345678", "9.9999999999999999999999999999999999999E+125", "1E-130",
            "1e5", "1E0", "1.23E-7", "000123", "+5"})
    void roundTripsNumbersAsTheSameString(String n) {
        Map<String, AttributeValue> back = roundTrip(Map.of("n", AttributeValue.fromN(n)));
        assertEquals(n, back.get("n").n(), "a number keeps every digit and its notation");
    }

    @Test
    void roundTripsBinaryIncludingEmptyAndEveryByteValue() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("empty", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
        item.put("all", AttributeValue.fromB(SdkBytes.fromByteArray(all)));
        item.put("one", AttributeValue.fromB(bytes(0xff)));

        Map<String, AttributeValue> back = roundTrip(item);

        assertArrayEquals(new byte[0], back.get("empty").b().asByteArray());
        assertArrayEquals(all, back.get("all").b().asByteArray());
        assertArrayEquals(new byte[] {(byte) 0xff}, back.get("one").b().asByteArray());
    }

    @Test
    void roundTripsSetsKeepingEveryElement() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("ss", AttributeValue.fromSs(List.of("b", "a", "", "ü", "with \"quote\"")));
        item.put("ns", AttributeValue.fromNs(List.of("1", "1.50", "-3E+10", "12345678901234567890123456789012345678")));
        item.put("bs", AttributeValue.fromBs(List.of(bytes(1, 2, 3), bytes(), bytes(0xff, 0))));

        Map<String, AttributeValue> back = roundTrip(item);

        assertEquals(List.of("b", "a", "", "ü", "with \"quote\""), back.get("ss").ss());
        assertEquals(List.of("1", "1.50", "-3E+10", "12345678901234567890123456789012345678"), back.get("ns").ns());
        assertEquals(3, back.get("bs").bs().size());
        assertArrayEquals(new byte[] {(byte) 0xff, 0}, back.get("bs").bs().get(2).asByteArray());
    }

    @Test
    void roundTripsBooleansAndNull() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("t", AttributeValue.fromBool(true));
        item.put("f", AttributeValue.fromBool(false));
        item.put("nul", AttributeValue.fromNul(true));

        Map<String, AttributeValue> back = roundTrip(item);

        assertEquals(Boolean.TRUE, back.get("t").bool());
        assertEquals(Boolean.FALSE, back.get("f").bool());
        assertEquals(Boolean.TRUE, back.get("nul").nul());
        assertEquals(AttributeValue.Type.NUL, back.get("nul").type());
    }

    @Test
    void roundTripsEmptyAndMixedListsAndMaps() {
        Map<String, AttributeValue> inner = new LinkedHashMap<>();
        inner.put("x", AttributeValue.fromN("1"));
        inner.put("y", AttributeValue.fromL(List.of()));
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("emptyList", AttributeValue.fromL(List.of()));
        item.put("emptyMap", AttributeValue.fromM(Map.of()));
        item.put("mixed", AttributeValue.fromL(List.of(AttributeValue.fromS("s"), AttributeValue.fromN("2"),
                AttributeValue.fromBool(true), AttributeValue.fromNul(true), AttributeValue.fromM(inner),
                AttributeValue.fromSs(List.of("a", "b")), AttributeValue.fromB(bytes(9)))));

        roundTrip(item);
    }

    @Test
    void roundTripsMapsNestedThirtyTwoLevelsDeep() {
        AttributeValue v = AttributeValue.fromS("bottom");
        for (int depth = 0; depth < 32; depth++) {
            Map<String, AttributeValue> m = new LinkedHashMap<>();
            m.put("level" + depth, v);
            m.put("n" + depth, AttributeValue.fromN(Integer.toString(depth)));
            v = AttributeValue.fromM(m);
        }

        Map<String, AttributeValue> back = roundTrip(Map.of("deep", v));

        AttributeValue cursor = back.get("deep");
        for (int depth = 31; depth >= 0; depth--) {
            assertEquals(AttributeValue.Type.M, cursor.type(), "level " + depth);
            cursor = cursor.m().get("level" + depth);
        }
        assertEquals("bottom", cursor.s());
    }

    @Test
    void roundTripsListsNestedThirtyTwoLevelsDeep() {
        AttributeValue v = AttributeValue.fromN("42");
        for (int depth = 0; depth < 32; depth++) {
            v = AttributeValue.fromL(List.of(AttributeValue.fromS("at " + depth), v));
        }

        Map<String, AttributeValue> back = roundTrip(Map.of("deep", v));

        AttributeValue cursor = back.get("deep");
        for (int depth = 31; depth >= 0; depth--) {
            assertEquals(AttributeValue.Type.L, cursor.type());
            assertEquals("at " + depth, cursor.l().get(0).s());
            cursor = cursor.l().get(1);
        }
        assertEquals("42", cursor.n());
    }

    @Test
    void roundTripsAlternatingMapsAndListsThirtyTwoLevelsDeep() {
        AttributeValue v = AttributeValue.fromBs(List.of(bytes(1), bytes(2)));
        for (int depth = 0; depth < 32; depth++) {
            v = depth % 2 == 0 ? AttributeValue.fromL(List.of(v)) : AttributeValue.fromM(Map.of("k", v));
        }

        roundTrip(Map.of("deep", v));
    }

    @Test
    void keepsAttributeOrderAsWritten() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        for (String k : List.of("z", "a", "m", "b")) {
            item.put(k, AttributeValue.fromS(k));
        }

        assertEquals(List.of("z", "a", "m", "b"), new ArrayList<>(DynamoDbJson.read(DynamoDbJson.write(item)).keySet()));
    }

    @Test
    void readsJsonWrittenByOtherTools() {
        String json = "{ \"id\" : { \"S\" : \"a\" },\n \"n\": {\"N\": \"1.50\"}, \"b\": {\"B\": \"AQID\"},"
                + " \"nul\": {\"NULL\": true}, \"m\": {\"M\": {\"x\": {\"BOOL\": false}}} }";

        Map<String, AttributeValue> item = DynamoDbJson.read(json);

        assertEquals(AttributeValue.fromS("a"), item.get("id"));
        assertEquals(AttributeValue.fromN("1.50"), item.get("n"));
        assertArrayEquals(new byte[] {1, 2, 3}, item.get("b").b().asByteArray());
        assertEquals(AttributeValue.fromNul(true), item.get("nul"));
        assertEquals(AttributeValue.fromM(Map.of("x", AttributeValue.fromBool(false))), item.get("m"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "not json",
            "{\"id\":{\"S\":\"a\"}",
            "[]",
            "\"just a string\"",
            "42",
            "{\"id\":\"a\"}",
            "{\"id\":{}}",
            "{\"id\":{\"S\":\"a\",\"N\":\"1\"}}",
            "{\"id\":{\"X\":\"a\"}}",
            "{\"id\":{\"s\":\"a\"}}",
            "{\"id\":{\"M\":\"not a map\"}}",
            "{\"id\":{\"M\":{\"x\":\"y\"}}}",
            "{\"id\":{\"L\":[{\"S\":\"a\"},{}]}}",
            "{\"id\":{\"L\":[\"a\"]}}",
            "{\"id\":{\"B\":\"not base64!\"}}",
            "{\"id\":{\"BS\":[\"AQID\",\"%%%\"]}}",
            "{\"id\":{\"S\":5}}",
            "{\"id\":{\"S\":null}}",
            "{\"id\":{\"N\":1.5}}",
            "{\"id\":{\"B\":true}}",
            "{\"id\":{\"BOOL\":\"true\"}}",
            "{\"id\":{\"SS\":\"a\"}}",
            "{\"id\":{\"NS\":[1,2]}}",
            "{\"id\":{\"L\":{\"S\":\"a\"}}}",
            "{\"id\":[\"S\"]}",
            "{\"id\":{\"NULL\":false}}",
            "{\"id\":{\"NULL\":\"yes\"}}",
    })
    void malformedInputThrowsCutoverException(String json) {
        CutoverException e = assertThrows(CutoverException.class, () -> DynamoDbJson.read(json), json);
        assertEquals(ErrorCode.STATE_CONFLICT, e.code(), "damaged state, as for a damaged checkpoint");
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }
}
