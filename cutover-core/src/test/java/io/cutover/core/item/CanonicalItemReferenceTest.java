package io.cutover.core.item;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The canonical form is what verify's digests and every comparison stand on: the faster implementation (no TreeMap, no
 * streams, bulk string copies, numbers without BigDecimal where the text is already canonical) must give exactly the text
 * of the straightforward one it replaced, kept here as the reference, for random items of every type.
 */
class CanonicalItemReferenceTest {
    private static final String[] NUMBERS = {"0", "-0", "1", "-1", "10", "100", "1.0", "1.50", "007", "12345678901234567890123",
            "1E+3", "1e3", "-2.500E-7", "0.000", "999999999999999999", "1000000000000000000", "-9", "3.14159", "42", "-120"};
    private static final String[] STRINGS = {"", "a", "\"quoted\"", "back\\slash", "\\\"", "tab\tnew\nline", "é ü 中文", "\uD83D\uDE00 smile",
            "x".repeat(300), "ends with \\", "\"", "plain text"};

    @Test
    void sameTextAsTheReferenceForRandomItems() {
        Random random = new Random(16);
        for (int i = 0; i < 3_000; i++) {
            Map<String, AttributeValue> item = map(random, 0);
            assertEquals(reference(item), CanonicalItem.of(item), () -> "item " + item);
        }
    }

    /** The pass-through read's canonical text, from the item's DynamoDB JSON, is the same text as from its attribute values. */
    @Test
    void sameTextFromTheItemsDynamoDbJson() {
        Random random = new Random(17);
        for (int i = 0; i < 3_000; i++) {
            Map<String, AttributeValue> item = map(random, 0);
            byte[] json = ("  " + DynamoDbJson.write(item) + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(CanonicalItem.of(item), CanonicalItem.ofJson(json, 2, json.length - 3), () -> "item " + item);
        }
        // attribute names in any order, numbers in any notation, binary with its padding: one text
        byte[] a = "{\"z\":{\"N\":\"1.50\"},\"a\":{\"M\":{\"y\":{\"NS\":[\"2\",\"1E0\"]},\"b\":{\"B\":\"AQI=\"}}}}".getBytes();
        byte[] b = "{\"a\":{\"M\":{\"b\":{\"B\":\"AQI=\"},\"y\":{\"NS\":[\"1\",\"2.0\"]}}},\"z\":{\"N\":\"1.5\"}}".getBytes();
        assertEquals(CanonicalItem.ofJson(a, 0, a.length), CanonicalItem.ofJson(b, 0, b.length));
        byte[] bad = "{\"a\":{\"X\":\"1\"}}".getBytes();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CanonicalItem.ofJson(bad, 0, bad.length));
    }

    /**
     * The bytes the verify's digest reads, built from the JSON without decoding its strings, are the UTF-8 of the text from
     * the attribute values: for strings copied raw (ASCII or not) and for strings with escapes, which are decoded.
     */
    @Test
    void utf8FromTheJsonIsTheTextsUtf8WhateverTheEscapes() {
        Random random = new Random(18);
        for (int i = 0; i < 3_000; i++) {
            Map<String, AttributeValue> item = map(random, 0);
            byte[] json = ("  " + DynamoDbJson.write(item) + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            org.junit.jupiter.api.Assertions.assertArrayEquals(CanonicalItem.of(item).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    CanonicalItem.utf8OfJson(json, 2, json.length - 3), () -> "item " + item);
        }
        Map<String, AttributeValue> item = Map.of("a", AttributeValue.fromS("\u00e9t\u00e9 \uD83D\uDE00"), "b", AttributeValue.fromS("x\"y"),
                "c", AttributeValue.fromS("caf\u00e9 raw"));
        byte[] escaped = "{\"c\":{\"S\":\"caf\u00e9 raw\"},\"b\":{\"S\":\"x\\\"y\"},\"a\":{\"S\":\"\\u00e9t\\u00e9 \\ud83d\\ude00\"}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertArrayEquals(CanonicalItem.of(item).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                CanonicalItem.utf8OfJson(escaped, 0, escaped.length));
    }

    private static Map<String, AttributeValue> map(Random r, int depth) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            m.put(STRINGS[r.nextInt(STRINGS.length)] + i, value(r, depth));
        }
        return m;
    }

    private static AttributeValue value(Random r, int depth) {
        return switch (r.nextInt(depth > 2 ? 8 : 10)) {
            case 0 -> AttributeValue.fromS(STRINGS[r.nextInt(STRINGS.length)]);
            case 1 -> AttributeValue.fromN(NUMBERS[r.nextInt(NUMBERS.length)]);
            case 2 -> AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {(byte) r.nextInt(), (byte) r.nextInt(), 0}));
            case 3 -> AttributeValue.fromBool(r.nextBoolean());
            case 4 -> AttributeValue.fromNul(true);
            case 5 -> AttributeValue.fromSs(List.of(STRINGS[r.nextInt(STRINGS.length)] + "1", STRINGS[r.nextInt(STRINGS.length)] + "2"));
            case 6 -> AttributeValue.fromNs(List.of(NUMBERS[r.nextInt(NUMBERS.length)], "77"));
            case 7 -> AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {(byte) r.nextInt()}),
                    SdkBytes.fromByteArray(new byte[] {1, 2})));
            case 8 -> {
                List<AttributeValue> l = new ArrayList<>();
                for (int i = 0; i < r.nextInt(4); i++) {
                    l.add(value(r, depth + 1));
                }
                yield AttributeValue.fromL(l);
            }
            default -> AttributeValue.fromM(map(r, depth + 1));
        };
    }

    // The implementation before issue 16's work, unchanged.
    private static String reference(Map<String, AttributeValue> item) {
        StringBuilder b = new StringBuilder();
        refMap(b, item);
        return b.toString();
    }

    private static void refMap(StringBuilder b, Map<String, AttributeValue> m) {
        b.append('{');
        for (Map.Entry<String, AttributeValue> e : new TreeMap<>(m).entrySet()) {
            refQuote(b, e.getKey());
            b.append(':');
            refAppend(b, e.getValue());
            b.append(',');
        }
        b.append('}');
    }

    private static void refAppend(StringBuilder b, AttributeValue v) {
        switch (v.type()) {
            case S -> refQuote(b.append("S"), v.s());
            case N -> b.append("N").append(refNumber(v.n()));
            case B -> b.append("B").append(Base64.getEncoder().encodeToString(v.b().asByteArrayUnsafe()));
            case BOOL -> b.append("BOOL").append(v.bool());
            case NUL -> b.append("NULL");
            case SS -> refSet(b.append("SS"), v.ss().stream().map(s -> {
                StringBuilder q = new StringBuilder();
                refQuote(q, s);
                return q.toString();
            }).toList());
            case NS -> refSet(b.append("NS"), v.ns().stream().map(CanonicalItemReferenceTest::refNumber).toList());
            case BS -> refSet(b.append("BS"), v.bs().stream().map(x -> Base64.getEncoder().encodeToString(x.asByteArrayUnsafe())).toList());
            case L -> {
                b.append("L[");
                for (AttributeValue e : v.l()) {
                    refAppend(b, e);
                    b.append(',');
                }
                b.append(']');
            }
            case M -> refMap(b.append("M"), v.m());
            default -> b.append("?").append(v.type());
        }
    }

    private static void refSet(StringBuilder b, List<String> elements) {
        List<String> sorted = new ArrayList<>(elements);
        sorted.sort(null);
        b.append('<').append(String.join(",", sorted)).append('>');
    }

    private static String refNumber(String n) {
        BigDecimal d = new BigDecimal(n);
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
    }

    private static void refQuote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }
}
