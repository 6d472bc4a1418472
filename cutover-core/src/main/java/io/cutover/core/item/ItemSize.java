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

    /** The billed size of one value (without its attribute name): plain loops, no streams, as it runs per item (issue 16). */
    public static long billedValue(AttributeValue v) {
        switch (v.type()) {
            case S:
                return utf8(v.s());
            case N:
                return numberBytes(v.n());
            case B:
                return v.b().asByteArrayUnsafe().length;
            case BOOL:
            case NUL:
                return 1;
            case SS: {
                long n = 0;
                for (String s : v.ss()) {
                    n += utf8(s);
                }
                return n;
            }
            case NS: {
                long n = 0;
                for (String s : v.ns()) {
                    n += numberBytes(s);
                }
                return n;
            }
            case BS: {
                long n = 0;
                for (SdkBytes b : v.bs()) {
                    n += b.asByteArrayUnsafe().length;
                }
                return n;
            }
            case L: {
                long n = 3;
                for (AttributeValue e : v.l()) {
                    n += 1 + billedValue(e);
                }
                return n;
            }
            case M: {
                long n = 3;
                for (Map.Entry<String, AttributeValue> e : v.m().entrySet()) {
                    n += 1 + utf8(e.getKey()) + billedValue(e.getValue());
                }
                return n;
            }
            default:
                return 0;
        }
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
        long n = 9;
        switch (v.type()) {
            case S -> n += jsonString(v.s());
            case N -> n += v.n().length() + 2;
            case B -> n += base64(v.b());
            case BOOL -> n += 5;
            case NUL -> n += 4;
            case SS -> n += strings(v.ss());
            case NS -> n += strings(v.ns());
            case BS -> {
                n += 2;
                for (SdkBytes b : v.bs()) {
                    n += base64(b) + 1;
                }
            }
            case L -> {
                n += 2;
                for (AttributeValue e : v.l()) {
                    n += wireValue(e) + 1;
                }
            }
            case M -> n += wire(v.m());
            default -> { }
        }
        return n;
    }

    private static long strings(List<String> values) {
        long n = 2;
        for (String s : values) {
            n += jsonString(s) + 1;
        }
        return n;
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

    /** UTF-8 bytes of a string as DynamoDB counts them (a surrogate pair is four bytes). */
    public static long utf8(CharSequence s) {
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

    /** {@link #utf8(CharSequence)} of {@code len} characters of {@code chars} from {@code offset} (a parser's buffer). */
    public static long utf8(char[] chars, int offset, int len) {
        long bytes = len;
        for (int i = offset, end = offset + len; i < end; i++) {
            char c = chars[i];
            if (c >= 0x80) {
                bytes += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return bytes;
    }

    private static long numberBytes(String n) {
        return numberBytes(n.length());
    }

    /** The billed size of a number written with {@code characters} characters. */
    public static long numberBytes(int characters) {
        // DynamoDB stores about two significant digits per byte, plus one.
        return (characters + 1) / 2 + 1;
    }
}
