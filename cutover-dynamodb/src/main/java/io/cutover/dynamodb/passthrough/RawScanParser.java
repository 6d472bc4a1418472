package io.cutover.dynamodb.passthrough;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.ItemSize;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads a Scan response body once with Jackson's streaming parser, without building an attribute
 * value per item: for each item of {@code Items} it copies out its JSON as it is in the body, and records its key
 * attributes and its billed size (the rules of {@link ItemSize#billed}, computed from the parser's
 * character buffer, so no string is made for a value). Also reads {@code LastEvaluatedKey},
 * {@code Count}, {@code ScannedCount} and {@code ConsumedCapacity}. Stateless and thread-safe.
 */
public final class RawScanParser {
    private static final JsonFactory JSON = new JsonFactory();

    private RawScanParser() {
    }

    /** Parses {@code body}; {@code keyNames} are the table's key attributes. */
    public static RawScanPage parse(byte[] body, Collection<String> keyNames) {
        return parse(body, body.length, keyNames);
    }

    /**
     * Parses the first {@code length} bytes of {@code body}. Each item's JSON is copied out into its own array, so the
     * page's items do not keep {@code body} (a reused buffer) and are small objects for the garbage collector.
     */
    public static RawScanPage parse(byte[] body, int length, Collection<String> keyNames) {
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            List<RawItem> items = List.of();
            Map<String, AttributeValue> lastKey = Map.of();
            int count = -1;
            int scanned = -1;
            double capacity = Double.NaN;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "Items" -> items = items(p, t, body, length, keyNames);
                    case "LastEvaluatedKey" -> lastKey = Map.copyOf(item(p, t));
                    case "Count" -> count = p.getIntValue();
                    case "ScannedCount" -> scanned = p.getIntValue();
                    case "ConsumedCapacity" -> capacity = capacityUnits(p, t);
                    default -> p.skipChildren();
                }
            }
            if (count >= 0 && count != items.size()) {
                throw new CutoverException(ErrorCode.INTERNAL, "Scan response says Count " + count + " but holds " + items.size() + " items");
            }
            return new RawScanPage(items, lastKey, count, scanned, capacity);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot read a Scan response: " + e.getMessage(), e);
        }
    }

    private static List<RawItem> items(JsonParser p, JsonToken t, byte[] body, int length, Collection<String> keyNames)
            throws IOException {
        expect(p, t, JsonToken.START_ARRAY);
        List<RawItem> items = new ArrayList<>();
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(p, t, JsonToken.START_OBJECT);
            int start = (int) p.currentTokenLocation().getByteOffset();
            Map<String, AttributeValue> key = new HashMap<>(4);
            long billed = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                expect(p, p.nextToken(), JsonToken.START_OBJECT);
                billed += ItemSize.utf8(name);
                if (keyNames.contains(name)) {
                    AttributeValue v = value(p);
                    key.put(name, v);
                    billed += ItemSize.billedValue(v);
                } else {
                    billed += billedValue(p, body, length);
                }
            }
            int end = (int) p.currentTokenLocation().getByteOffset() + 1;
            if (end > length || body[start] != '{' || body[end - 1] != '}') {
                throw new CutoverException(ErrorCode.INTERNAL, "Scan response: an item's bounds were misread at byte " + start);
            }
            items.add(new RawItem(java.util.Arrays.copyOfRange(body, start, end), 0, end - start, key, billed));
        }
        return items;
    }

    /** At the START_OBJECT of a typed value ({"S":...}); returns its billed size and leaves the parser at its END_OBJECT. */
    private static long billedValue(JsonParser p, byte[] body, int length) throws IOException {
        expect(p, p.nextToken(), JsonToken.FIELD_NAME);
        String type = p.currentName();
        JsonToken t = p.nextToken();
        long size;
        switch (type) {
            case "S" -> size = stringBytes(p, body, length);
            case "N" -> size = ItemSize.numberBytes(p.getTextLength());
            case "B" -> size = base64Bytes(p);
            case "BOOL", "NULL" -> size = 1;
            case "SS" -> {
                size = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    size += stringBytes(p, body, length);
                }
            }
            case "NS" -> {
                size = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    size += ItemSize.numberBytes(p.getTextLength());
                }
            }
            case "BS" -> {
                size = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    size += base64Bytes(p);
                }
            }
            case "L" -> {
                expect(p, t, JsonToken.START_ARRAY);
                size = 3;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    expect(p, t, JsonToken.START_OBJECT);
                    size += 1 + billedValue(p, body, length);
                }
            }
            case "M" -> {
                expect(p, t, JsonToken.START_OBJECT);
                size = 3;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    expect(p, p.nextToken(), JsonToken.START_OBJECT);
                    size += 1 + ItemSize.utf8(name) + billedValue(p, body, length);
                }
            }
            default -> {
                p.skipChildren();
                size = 0;
            }
        }
        expect(p, p.nextToken(), JsonToken.END_OBJECT);
        return size;
    }

    /**
     * The billed bytes of the string value the parser is at. Without an escape in it, that is its UTF-8 bytes in the body
     * (a surrogate pair is four bytes either way), counted without decoding it: the parser then skips it unread, which
     * halves the cost of the long strings most items carry. With an escape, the decoded text is counted.
     */
    private static long stringBytes(JsonParser p, byte[] body, int length) throws IOException {
        long at = p.currentTokenLocation().getByteOffset();
        if (at >= 0 && at < length && body[(int) at] == '"') {
            for (int i = (int) at + 1; i < length; i++) {
                byte b = body[i];
                if (b == '"') {
                    return i - at - 1;
                }
                if (b == '\\') {
                    break;
                }
            }
        }
        return ItemSize.utf8(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    /** Decoded bytes of the base64 string the parser is at, without decoding it. */
    private static long base64Bytes(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int from = p.getTextOffset();
        int n = 0;
        for (int i = from, end = from + p.getTextLength(); i < end; i++) {
            char ch = c[i];
            if (ch != '=' && ch != '\r' && ch != '\n' && ch != ' ') {
                n++;
            }
        }
        return n * 3L / 4;
    }

    /** At an item's START_OBJECT: the whole item as attribute values (keys, LastEvaluatedKey). */
    static Map<String, AttributeValue> item(JsonParser p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_OBJECT);
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            item.put(name, value(p));
        }
        return item;
    }

    /** At the START_OBJECT of a typed value: the value; leaves the parser at its END_OBJECT. */
    private static AttributeValue value(JsonParser p) throws IOException {
        expect(p, p.nextToken(), JsonToken.FIELD_NAME);
        String type = p.currentName();
        JsonToken t = p.nextToken();
        AttributeValue v = switch (type) {
            case "S" -> AttributeValue.fromS(p.getText());
            case "N" -> AttributeValue.fromN(p.getText());
            case "B" -> AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(Base64.getMimeDecoder().decode(p.getText())));
            case "BOOL" -> AttributeValue.fromBool(t == JsonToken.VALUE_TRUE);
            case "NULL" -> AttributeValue.fromNul(t == JsonToken.VALUE_TRUE);
            case "SS" -> AttributeValue.fromSs(strings(p));
            case "NS" -> AttributeValue.fromNs(strings(p));
            case "BS" -> AttributeValue.fromBs(strings(p).stream()
                    .map(s -> SdkBytes.fromByteArrayUnsafe(Base64.getMimeDecoder().decode(s))).toList());
            case "L" -> {
                List<AttributeValue> list = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    expect(p, t, JsonToken.START_OBJECT);
                    list.add(value(p));
                }
                yield AttributeValue.fromL(list);
            }
            case "M" -> AttributeValue.fromM(item(p, t));
            default -> throw new CutoverException(ErrorCode.INTERNAL, "Scan response: unknown attribute type '" + type + "'");
        };
        expect(p, p.nextToken(), JsonToken.END_OBJECT);
        return v;
    }

    private static List<String> strings(JsonParser p) throws IOException {
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getText());
        }
        return out;
    }

    private static double capacityUnits(JsonParser p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_OBJECT);
        double units = Double.NaN;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("CapacityUnits")) {
                units = p.getDoubleValue();
            } else {
                p.skipChildren();
            }
        }
        return units;
    }

    private static void expect(JsonParser p, JsonToken got, JsonToken want) {
        if (got != want) {
            throw new CutoverException(ErrorCode.INTERNAL, "Scan response: expected " + want + " but found " + got + " at byte "
                    + p.currentTokenLocation().getByteOffset());
        }
    }
}
