package io.cutover.core.item;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A canonical text form of an item, so two items that DynamoDB treats as equal compare equal:
 * attribute order does not matter, numbers compare by value ({@code 1.0 == 1}), set elements in any
 * order, while the type always matters ({@code N 1 != S "1"}) and lists keep their order.
 * Stateless and thread-safe.
 */
public final class CanonicalItem {
    private CanonicalItem() {
    }

    public static String of(Map<String, AttributeValue> item) {
        StringBuilder b = BUILDER.get();
        b.setLength(0);
        appendMap(b, item);
        String text = b.toString();
        if (b.capacity() > MAX_KEPT_CAPACITY) {
            BUILDER.remove(); // one huge item does not pin its buffer to the thread for good
        }
        return text;
    }

    /** A builder per thread, so that an item's text does not grow a new one from 16 characters each time. */
    private static final ThreadLocal<StringBuilder> BUILDER = ThreadLocal.withInitial(() -> new StringBuilder(2048));
    private static final int MAX_KEPT_CAPACITY = 1 << 20;

    /**
     * The canonical text of an item given as DynamoDB JSON (an object of attribute name to typed value, as a Scan
     * response holds it): the same text {@link #of} gives for that item's attribute values, read in one pass of a
     * streaming parser without building them (the verify's pass-through read, issue 16).
     *
     * @throws IllegalArgumentException when the bytes are not an item in DynamoDB JSON
     */
    public static String ofJson(byte[] json, int offset, int length) {
        return new String(utf8OfJson(json, offset, length), StandardCharsets.UTF_8);
    }

    /**
     * {@link #ofJson}'s text as UTF-8 bytes, which is what a digest reads: built as bytes, so that a string value without
     * escapes is copied from the JSON as it is, never decoded into characters and encoded again (most of an item's bytes
     * are in such strings).
     *
     * @throws IllegalArgumentException when the bytes are not an item in DynamoDB JSON
     */
    public static byte[] utf8OfJson(byte[] json, int offset, int length) {
        Utf8 b = UTF8.get();
        b.length = 0;
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            jsonMap(p, b, json, offset, offset + length);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an item in DynamoDB JSON: " + e.getMessage(), e);
        }
        byte[] text = Arrays.copyOf(b.bytes, b.length);
        if (b.bytes.length > MAX_KEPT_CAPACITY) {
            UTF8.remove();
        }
        return text;
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final ThreadLocal<Utf8> UTF8 = ThreadLocal.withInitial(Utf8::new);

    /** A growable buffer of UTF-8 bytes: the canonical text as it is built from JSON. */
    private static final class Utf8 {
        byte[] bytes = new byte[2048];
        int length;

        private void room(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more));
            }
        }

        Utf8 put(char ascii) {
            room(1);
            bytes[length++] = (byte) ascii;
            return this;
        }

        Utf8 put(String s) {
            int n = s.length();
            room(n);
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) { // the rest through the encoder (a surrogate pair never starts before the first non-ASCII char)
                    return put(s.substring(i).getBytes(StandardCharsets.UTF_8), 0, -1);
                }
                bytes[length++] = (byte) c;
            }
            return this;
        }

        /** {@code n} bytes of {@code from} at {@code at}; all of it when {@code n} is -1. */
        Utf8 put(byte[] from, int at, int n) {
            int count = n < 0 ? from.length : n;
            room(count);
            System.arraycopy(from, at, bytes, length, count);
            length += count;
            return this;
        }
    }

    /**
     * At an object's START_OBJECT: appends its attributes as {@link #appendMap} does, in name order. Each attribute's text
     * is appended as it is read; when the names did not come in order, the object's text is put in order afterwards.
     */
    private static void jsonMap(JsonParser p, Utf8 b, byte[] json, int offset, int end) throws IOException {
        int objectStart = b.length;
        b.put('{');
        List<String> names = new ArrayList<>(8);
        List<int[]> spans = new ArrayList<>(8);
        boolean sorted = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (!names.isEmpty() && names.get(names.size() - 1).compareTo(name) > 0) {
                sorted = false;
            }
            int start = b.length;
            quote(b, name);
            b.put(':');
            expect(p.nextToken(), JsonToken.START_OBJECT);
            jsonValue(p, b, json, offset, end);
            b.put(',');
            names.add(name);
            spans.add(new int[] {start, b.length});
        }
        if (!sorted) {
            int base = objectStart + 1;
            byte[] region = Arrays.copyOfRange(b.bytes, base, b.length);
            Integer[] order = new Integer[names.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> names.get(x).compareTo(names.get(y)));
            b.length = base;
            for (int i : order) {
                int[] span = spans.get(i);
                b.put(region, span[0] - base, span[1] - span[0]);
            }
        }
        b.put('}');
    }

    /** At a typed value's START_OBJECT ({"S": ...}): appends its canonical text and consumes its END_OBJECT. */
    private static void jsonValue(JsonParser p, Utf8 b, byte[] json, int offset, int end) throws IOException {
        expect(p.nextToken(), JsonToken.FIELD_NAME);
        String type = p.currentName();
        JsonToken t = p.nextToken();
        switch (type) {
            case "S" -> {
                if (t != JsonToken.VALUE_STRING) {
                    throw new IOException("expected a string, found " + t);
                }
                b.put('S');
                if (!rawString(p, b, json, offset, end)) {
                    quote(b, p.getText());
                }
            }
            case "N" -> b.put('N').put(number(text(p, t)));
            case "B" -> b.put('B').put(base64(text(p, t)));
            case "BOOL" -> {
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw new IOException("BOOL holds " + t);
                }
                b.put("BOOL").put(t == JsonToken.VALUE_TRUE ? "true" : "false");
            }
            case "NULL" -> b.put("NULL");
            case "SS", "NS", "BS" -> {
                expect(t, JsonToken.START_ARRAY);
                List<String> elements = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    String v = text(p, e);
                    if (type.equals("SS")) {
                        StringBuilder q = new StringBuilder(v.length() + 2);
                        quote(q, v);
                        elements.add(q.toString());
                    } else {
                        elements.add(type.equals("NS") ? number(v) : base64(v));
                    }
                }
                StringBuilder text = new StringBuilder();
                set(text.append(type), elements);
                b.put(text.toString());
            }
            case "L" -> {
                expect(t, JsonToken.START_ARRAY);
                b.put("L[");
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    expect(e, JsonToken.START_OBJECT);
                    jsonValue(p, b, json, offset, end);
                    b.put(',');
                }
                b.put(']');
            }
            case "M" -> {
                expect(t, JsonToken.START_OBJECT);
                jsonMap(p, b.put('M'), json, offset, end);
            }
            default -> throw new IOException("unknown attribute type " + type);
        }
        expect(p.nextToken(), JsonToken.END_OBJECT);
    }

    /**
     * The string the parser is at, quoted, straight from the JSON's bytes when it holds no escape (then it holds no quote or
     * backslash either, which is all {@link #quote} escapes, and its bytes are its UTF-8); false, having appended nothing,
     * otherwise. The parser then skips the string unread.
     */
    private static boolean rawString(JsonParser p, Utf8 b, byte[] json, int offset, int end) {
        long at = offset + p.currentTokenLocation().getByteOffset(); // the parser counts from where it was given the bytes
        if (at < offset || at >= end || json[(int) at] != '"') {
            return false;
        }
        int from = (int) at + 1;
        for (int i = from; i < end; i++) {
            byte c = json[i];
            if (c == '"') {
                b.put('"').put(json, from, i - from).put('"');
                return true;
            }
            if (c == '\\') {
                return false;
            }
        }
        return false;
    }

    private static void quote(Utf8 b, String s) {
        if (s.indexOf('"') < 0 && s.indexOf('\\') < 0) {
            b.put('"').put(s).put('"');
            return;
        }
        StringBuilder q = new StringBuilder(s.length() + 8);
        quote(q, s);
        b.put(q.toString());
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw new IOException("expected a string, found " + t);
        }
        return p.getText();
    }

    /** Binary as {@link #base64(SdkBytes)} gives it: the bytes decoded and encoded again, so any valid encoding compares equal. */
    private static String base64(String encoded) {
        return Base64.getEncoder().encodeToString(Base64.getDecoder().decode(encoded));
    }

    private static void expect(JsonToken t, JsonToken wanted) throws IOException {
        if (t != wanted) {
            throw new IOException("expected " + wanted + ", found " + t);
        }
    }

    /** SHA-256 of the canonical form. */
    public static byte[] digest(Map<String, AttributeValue> item) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(of(item).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void appendMap(StringBuilder b, Map<String, AttributeValue> m) {
        b.append('{');
        String[] names = m.keySet().toArray(new String[0]);
        Arrays.sort(names);
        for (String name : names) {
            quote(b, name);
            b.append(':');
            append(b, m.get(name));
            b.append(',');
        }
        b.append('}');
    }

    private static void append(StringBuilder b, AttributeValue v) {
        switch (v.type()) {
            case S -> quote(b.append("S"), v.s());
            case N -> b.append("N").append(number(v.n()));
            case B -> b.append("B").append(base64(v.b()));
            case BOOL -> b.append("BOOL").append(v.bool());
            case NUL -> b.append("NULL");
            case SS -> {
                List<String> quoted = new ArrayList<>(v.ss().size());
                for (String e : v.ss()) {
                    StringBuilder q = new StringBuilder(e.length() + 2);
                    quote(q, e);
                    quoted.add(q.toString());
                }
                set(b.append("SS"), quoted);
            }
            case NS -> {
                List<String> numbers = new ArrayList<>(v.ns().size());
                for (String e : v.ns()) {
                    numbers.add(number(e));
                }
                set(b.append("NS"), numbers);
            }
            case BS -> {
                List<String> encoded = new ArrayList<>(v.bs().size());
                for (SdkBytes e : v.bs()) {
                    encoded.add(base64(e));
                }
                set(b.append("BS"), encoded);
            }
            case L -> {
                b.append("L[");
                for (AttributeValue e : v.l()) {
                    append(b, e);
                    b.append(',');
                }
                b.append(']');
            }
            case M -> appendMap(b.append("M"), v.m());
            default -> b.append("?").append(v.type());
        }
    }

    private static void set(StringBuilder b, List<String> elements) {
        elements.sort(null);
        b.append('<');
        for (int i = 0; i < elements.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(elements.get(i));
        }
        b.append('>');
    }

    /** Numbers by value: 1, 1.0 and 1E0 have one form. */
    public static String number(String n) {
        if (isPlainIntegerWithoutTrailingZero(n)) {
            return n; // what BigDecimal would give, without building one (most numbers in most tables)
        }
        BigDecimal d = new BigDecimal(n);
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }

    /** An optional minus, then digits without a leading or trailing zero: BigDecimal's canonical text is the string itself. */
    private static boolean isPlainIntegerWithoutTrailingZero(String n) {
        int start = n.startsWith("-") ? 1 : 0;
        int len = n.length();
        if (len - start < 1 || len - start > 18 || n.charAt(start) == '0' || n.charAt(len - 1) == '0') {
            return false;
        }
        for (int i = start; i < len; i++) {
            char c = n.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        if (s.indexOf('"') < 0 && s.indexOf('\\') < 0) { // the common case, found by the JIT's vectorised search
            b.append(s).append('"');
            return;
        }
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append(s, from, i).append('\\');
                from = i;
            }
        }
        b.append(s, from, s.length()).append('"');
    }
}
