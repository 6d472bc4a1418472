package io.cutover.core.item;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Sizes of items, two ways: as DynamoDB counts them against the 400 KB item limit and capacity
 * units ({@link #billed}), and as they travel in a request's JSON body ({@link #wire}), which is
 * what the 16 MB BatchWriteItem limit is about (base64 and JSON punctuation make it larger).
 * Both are estimates that err on the large side. Stateless.
 */
public final class ItemSize {
    /** DynamoDB's item size limit. */
    public static final int MAX_ITEM_BYTES = 400 * 1024;

    private ItemSize() {
    }

    public static long billed(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += utf8(e.getKey()) + billedValue(e.getValue());
        }
        return size;
    }

    private static long billedValue(AttributeValue v) {
        return switch (v.type()) {
            case S -> utf8(v.s());
            case N -> numberBytes(v.n());
            case B -> v.b().asByteArrayUnsafe().length;
            case BOOL, NUL -> 1;
            case SS -> v.ss().stream().mapToLong(ItemSize::utf8).sum();
            case NS -> v.ns().stream().mapToLong(ItemSize::numberBytes).sum();
            case BS -> v.bs().stream().mapToLong(b -> b.asByteArrayUnsafe().length).sum();
            case L -> 3 + v.l().stream().mapToLong(e -> 1 + billedValue(e)).sum();
            case M -> 3 + v.m().entrySet().stream().mapToLong(e -> 1 + utf8(e.getKey()) + billedValue(e.getValue())).sum();
            default -> 0;
        };
    }

    /** An upper estimate of the item's bytes in a request body. */
    public static long wire(Map<String, AttributeValue> item) {
        long size = 2;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += jsonString(e.getKey()) + 1 + wireValue(e.getValue()) + 1;
        }
        return size;
    }

    private static long wireValue(AttributeValue v) {
        // {"T":...} costs 6 to 9 bytes around the value.
        return 9 + switch (v.type()) {
            case S -> jsonString(v.s());
            case N -> v.n().length() + 2;
            case B -> base64(v.b());
            case BOOL -> 5;
            case NUL -> 4;
            case SS -> strings(v.ss());
            case NS -> strings(v.ns());
            case BS -> 2 + v.bs().stream().mapToLong(b -> base64(b) + 1).sum();
            case L -> 2 + v.l().stream().mapToLong(e -> wireValue(e) + 1).sum();
            case M -> wire(v.m());
            default -> 0;
        };
    }

    private static long strings(List<String> values) {
        return 2 + values.stream().mapToLong(s -> jsonString(s) + 1).sum();
    }

    private static long base64(SdkBytes b) {
        return 2 + 4L * ((b.asByteArrayUnsafe().length + 2) / 3);
    }

    private static long jsonString(String s) {
        // Quotes, plus what escaping adds: a quote or backslash costs one more byte, a control character five more.
        long extra = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                extra += 1;
            } else if (c < 0x20) {
                extra += 5;
            }
        }
        return 2 + utf8(s) + extra;
    }

    private static long utf8(String s) {
        int n = s.length();
        long bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                bytes += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return bytes;
    }

    private static long numberBytes(String n) {
        // DynamoDB stores about two significant digits per byte, plus one.
        return (n.length() + 1) / 2 + 1;
    }
}
