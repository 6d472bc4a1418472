package io.cutover.core.item;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Items as DynamoDB JSON (<code>{"id":{"S":"a"},"n":{"N":"1.50"}}</code>), the format of DynamoDB
 * exports and of the AWS CLI. Used for checkpointed scan keys and dead-letter files, so that what a
 * user reads back is exactly what the service held: numbers stay strings with every digit, binary
 * stays base64, sets stay sets. Thread-safe.
 */
public final class DynamoDbJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private DynamoDbJson() {
    }

    public static String write(Map<String, AttributeValue> item) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writeItem(g, item);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static void writeItem(JsonGenerator g, Map<String, AttributeValue> item) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            g.writeFieldName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeValue(JsonGenerator g, AttributeValue v) throws IOException {
        g.writeStartObject();
        switch (v.type()) {
            case S -> g.writeStringField("S", v.s());
            case N -> g.writeStringField("N", v.n());
            case B -> g.writeStringField("B", base64(v.b()));
            case BOOL -> g.writeBooleanField("BOOL", v.bool());
            case NUL -> g.writeBooleanField("NULL", true);
            case SS -> writeStrings(g, "SS", v.ss());
            case NS -> writeStrings(g, "NS", v.ns());
            case BS -> {
                g.writeArrayFieldStart("BS");
                for (SdkBytes b : v.bs()) {
                    g.writeString(base64(b));
                }
                g.writeEndArray();
            }
            case L -> {
                g.writeArrayFieldStart("L");
                for (AttributeValue e : v.l()) {
                    writeValue(g, e);
                }
                g.writeEndArray();
            }
            case M -> {
                g.writeFieldName("M");
                writeItem(g, v.m());
            }
            default -> throw new CutoverException(ErrorCode.INTERNAL, "unknown DynamoDB attribute type " + v.type());
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    private static String base64(SdkBytes b) {
        return Base64.getEncoder().encodeToString(b.asByteArrayUnsafe());
    }

    public static Map<String, AttributeValue> read(String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            return readItem(node);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "not DynamoDB JSON: " + e.getMessage(), e);
        }
    }

    public static Map<String, AttributeValue> readItem(JsonNode node) {
        if (!(node instanceof ObjectNode)) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON item must be an object");
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            item.put(e.getKey(), readValue(e.getValue()));
        }
        return item;
    }

    private static AttributeValue readValue(JsonNode node) {
        if (node == null || !node.isObject() || node.size() != 1) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON value must have exactly one type key");
        }
        String type = node.fieldNames().next();
        JsonNode v = node.get(type);
        return switch (type) {
            case "S" -> AttributeValue.fromS(text(v, type));
            case "N" -> AttributeValue.fromN(text(v, type));
            case "B" -> AttributeValue.fromB(binary(v, type));
            case "BOOL" -> AttributeValue.fromBool(bool(v, type));
            case "NULL" -> {
                if (!bool(v, type)) {
                    throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON NULL value must be true");
                }
                yield AttributeValue.fromNul(true);
            }
            case "SS" -> AttributeValue.fromSs(strings(v, type));
            case "NS" -> AttributeValue.fromNs(strings(v, type));
            case "BS" -> {
                List<SdkBytes> out = new ArrayList<>();
                array(v, type).forEach(b -> out.add(binary(b, type)));
                yield AttributeValue.fromBs(out);
            }
            case "L" -> {
                List<AttributeValue> out = new ArrayList<>();
                array(v, type).forEach(e -> out.add(readValue(e)));
                yield AttributeValue.fromL(out);
            }
            case "M" -> AttributeValue.fromM(readItem(v));
            default -> throw new CutoverException(ErrorCode.STATE_CONFLICT, "unknown DynamoDB JSON type '" + type + "'");
        };
    }

    private static List<String> strings(JsonNode array, String type) {
        List<String> out = new ArrayList<>(array.size());
        array(array, type).forEach(s -> out.add(text(s, type)));
        return out;
    }

    private static String text(JsonNode v, String type) {
        if (!v.isTextual()) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON " + type + " value must be a string, was " + v);
        }
        return v.textValue();
    }

    private static boolean bool(JsonNode v, String type) {
        if (!v.isBoolean()) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON " + type + " value must be true or false, was " + v);
        }
        return v.booleanValue();
    }

    private static JsonNode array(JsonNode v, String type) {
        if (!v.isArray()) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON " + type + " value must be an array, was " + v);
        }
        return v;
    }

    private static SdkBytes binary(JsonNode v, String type) {
        try {
            return SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(text(v, type)));
        } catch (IllegalArgumentException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "a DynamoDB JSON " + type + " value must be base64: " + e.getMessage(), e);
        }
    }
}
