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
        StringBuilder b = BUILDER.get();
        b.setLength(0);
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            jsonMap(p, b);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an item in DynamoDB JSON: " + e.getMessage(), e);
        }
        String text = b.toString();
        if (b.capacity() > MAX_KEPT_CAPACITY) {
            BUILDER.remove();
        }
        return text;
    }

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * At an object's START_OBJECT: appends its attributes as {@link #appendMap} does, in name order. Each attribute's text
     * is appended as it is read; when the names did not come in order, the object's text is put in order afterwards.
     */
    private static void jsonMap(JsonParser p, StringBuilder b) throws IOException {
        int objectStart = b.length();
        b.append('{');
        List<String> names = new ArrayList<>(8);
        List<int[]> spans = new ArrayList<>(8);
        boolean sorted = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (!names.isEmpty() && names.get(names.size() - 1).compareTo(name) > 0) {
                sorted = false;
            }
            int start = b.length();
            quote(b, name);
            b.append(':');
            expect(p.nextToken(), JsonToken.START_OBJECT);
            jsonValue(p, b);
            b.append(',');
            names.add(name);
            spans.add(new int[] {start, b.length()});
        }
        if (!sorted) {
            String region = b.substring(objectStart + 1);
            int base = objectStart + 1;
            Integer[] order = new Integer[names.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> names.get(x).compareTo(names.get(y)));
            b.setLength(base);
            for (int i : order) {
                int[] span = spans.get(i);
                b.append(region, span[0] - base, span[1] - base);
            }
        }
        b.append('}');
    }

    /** At a typed value's START_OBJECT ({"S": ...}): appends its canonical text and consumes its END_OBJECT. */
    private static void jsonValue(JsonParser p, StringBuilder b) throws IOException {
        expect(p.nextToken(), JsonToken.FIELD_NAME);
        String type = p.currentName();
        JsonToken t = p.nextToken();
        switch (type) {
            case "S" -> quote(b.append("S"), text(p, t));
            case "N" -> b.append("N").append(number(text(p, t)));
            case "B" -> b.append("B").append(base64(text(p, t)));
            case "BOOL" -> {
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw new IOException("BOOL holds " + t);
                }
                b.append("BOOL").append(t == JsonToken.VALUE_TRUE);
            }
            case "NULL" -> b.append("NULL");
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
                set(b.append(type), elements);
            }
            case "L" -> {
                expect(t, JsonToken.START_ARRAY);
                b.append("L[");
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    expect(e, JsonToken.START_OBJECT);
                    jsonValue(p, b);
                    b.append(',');
                }
                b.append(']');
            }
            case "M" -> {
                expect(t, JsonToken.START_OBJECT);
                jsonMap(p, b.append("M"));
            }
            default -> throw new IOException("unknown attribute type " + type);
        }
        expect(p.nextToken(), JsonToken.END_OBJECT);
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
