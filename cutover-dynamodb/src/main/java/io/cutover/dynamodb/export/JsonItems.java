package io.cutover.dynamodb.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One DynamoDB JSON export line, <code>{"Item":{...}}</code>, read straight from Jackson's token stream into
 * attribute values, without a tree in between: the export load spends its CPU here, on the same cores as
 * the writes. The same rules as {@link io.cutover.core.item.DynamoDbJson}: one type key per value, numbers
 * kept as their text, binary as base64. Stateless and thread-safe.
 */
final class JsonItems {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonItems() {
    }

    static Map<String, AttributeValue> line(String line) throws IOException {
        try (JsonParser p = FACTORY.createParser(line)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "the line");
            if (p.nextToken() != JsonToken.FIELD_NAME || !"Item".equals(p.currentName())) {
                throw new IllegalArgumentException("the line is not {\"Item\":{...}}");
            }
            p.nextToken();
            Map<String, AttributeValue> item = map(p);
            expect(p, p.nextToken(), JsonToken.END_OBJECT, "the line after its Item");
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("more than one value on the line");
            }
            return item;
        }
    }

    /** The current token starts a map of attributes. */
    private static Map<String, AttributeValue> map(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT, "an item or M value");
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (m.put(name, value(p)) != null) {
                throw new IllegalArgumentException("attribute '" + name + "' appears twice");
            }
        }
        expect(p, p.currentToken(), JsonToken.END_OBJECT, "the end of a map");
        return m;
    }

    /** The current token starts a typed value: {"S":"..."} and so on. */
    private static AttributeValue value(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT, "a typed value");
        if (p.nextToken() != JsonToken.FIELD_NAME) {
            throw new IllegalArgumentException("a DynamoDB JSON value must have exactly one type key");
        }
        String type = p.currentName();
        JsonToken t = p.nextToken();
        AttributeValue v = switch (type) {
            case "S" -> AttributeValue.fromS(text(p, t, type));
            case "N" -> AttributeValue.fromN(text(p, t, type));
            case "B" -> AttributeValue.fromB(binary(p, t, type));
            case "BOOL" -> AttributeValue.fromBool(bool(t, type));
            case "NULL" -> {
                if (!bool(t, type)) {
                    throw new IllegalArgumentException("a DynamoDB JSON NULL value must be true");
                }
                yield AttributeValue.fromNul(true);
            }
            case "SS", "NS" -> {
                expect(p, t, JsonToken.START_ARRAY, type);
                List<String> out = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    out.add(text(p, t, type));
                }
                yield type.equals("SS") ? AttributeValue.fromSs(out) : AttributeValue.fromNs(out);
            }
            case "BS" -> {
                expect(p, t, JsonToken.START_ARRAY, type);
                List<SdkBytes> out = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    out.add(binary(p, t, type));
                }
                yield AttributeValue.fromBs(out);
            }
            case "L" -> {
                expect(p, t, JsonToken.START_ARRAY, type);
                List<AttributeValue> out = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    out.add(value(p));
                }
                yield AttributeValue.fromL(out);
            }
            case "M" -> AttributeValue.fromM(map(p));
            default -> throw new IllegalArgumentException("unknown DynamoDB JSON type '" + type + "'");
        };
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw new IllegalArgumentException("a DynamoDB JSON value must have exactly one type key");
        }
        return v;
    }

    private static String text(JsonParser p, JsonToken t, String type) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("a DynamoDB JSON " + type + " value must be a string, was " + t);
        }
        return p.getText();
    }

    private static boolean bool(JsonToken t, String type) {
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw new IllegalArgumentException("a DynamoDB JSON " + type + " value must be true or false, was " + t);
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private static SdkBytes binary(JsonParser p, JsonToken t, String type) throws IOException {
        try {
            return SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(text(p, t, type)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a DynamoDB JSON " + type + " value must be base64: " + e.getMessage(), e);
        }
    }

    private static void expect(JsonParser p, JsonToken t, JsonToken wanted, String what) {
        if (t != wanted) {
            throw new IllegalArgumentException(what + ": expected " + wanted + ", found " + t);
        }
    }
}
