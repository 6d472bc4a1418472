package io.cutover.core.item;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        StringBuilder b = new StringBuilder();
        appendMap(b, item);
        return b.toString();
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
        for (Map.Entry<String, AttributeValue> e : new TreeMap<>(m).entrySet()) {
            quote(b, e.getKey());
            b.append(':');
            append(b, e.getValue());
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
            case SS -> set(b.append("SS"), v.ss().stream().map(s -> {
                StringBuilder q = new StringBuilder();
                quote(q, s);
                return q.toString();
            }).toList());
            case NS -> set(b.append("NS"), v.ns().stream().map(CanonicalItem::number).toList());
            case BS -> set(b.append("BS"), v.bs().stream().map(CanonicalItem::base64).toList());
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
        List<String> sorted = new ArrayList<>(elements);
        sorted.sort(null);
        b.append('<').append(String.join(",", sorted)).append('>');
    }

    /** Numbers by value: 1, 1.0 and 1E0 have one form. */
    public static String number(String n) {
        BigDecimal d = new BigDecimal(n);
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toString();
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }

    private static void quote(StringBuilder b, String s) {
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
