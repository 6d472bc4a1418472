package io.cutover.dynamodb.passthrough;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Random items of every DynamoDB type, with the strings that are hard to get right: escapes, controls, surrogate pairs. */
final class RandomItems {
    /** Pieces strings are made of: ASCII, two- and three-byte UTF-8, a surrogate pair, and what JSON must escape. */
    static final String[] PIECES = {"a", "Z", "0", " ", "é", "ü", "中", "日本", "\uffff", "😀", "𝄞", "\"", "\\", "/", "\n", "\t",
            "\u0000", "\u0001", "\u001f", "\u007f", "\u2028", "<>&'"};
    private final SplittableRandom r;

    RandomItems(long seed) {
        r = new SplittableRandom(seed);
    }

    Map<String, AttributeValue> item(long i) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS("k" + i + text(3)));
        item.put("sk", AttributeValue.fromN(number()));
        int n = r.nextInt(12);
        for (int a = 0; a < n; a++) {
            item.put(text(1 + r.nextInt(6)) + a, value(0));
        }
        return item;
    }

    String text(int pieces) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            b.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    String number() {
        return switch (r.nextInt(6)) {
            case 0 -> Long.toString(r.nextLong());
            case 1 -> "12345678901234567890123456789012345678";
            case 2 -> "-0." + "9".repeat(1 + r.nextInt(37));
            case 3 -> "1.5E+" + r.nextInt(120);
            case 4 -> "-3e-" + r.nextInt(120);
            default -> Integer.toString(r.nextInt(1000));
        };
    }

    AttributeValue value(int depth) {
        int kinds = depth > 5 ? 8 : 11;
        return switch (r.nextInt(kinds)) {
            case 0 -> AttributeValue.fromS(r.nextInt(8) == 0 ? "" : text(1 + r.nextInt(40)));
            case 1 -> AttributeValue.fromN(number());
            case 2 -> AttributeValue.fromB(bytes());
            case 3 -> AttributeValue.fromBool(r.nextBoolean());
            case 4 -> AttributeValue.fromNul(true);
            case 5 -> {
                LinkedHashSet<String> s = new LinkedHashSet<>();
                for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
                    s.add(text(1 + r.nextInt(5)) + i);
                }
                yield AttributeValue.fromSs(new ArrayList<>(s));
            }
            case 6 -> {
                List<String> s = new ArrayList<>();
                for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
                    s.add(i == 0 ? number() : i + "." + r.nextInt(1_000_000));
                }
                yield AttributeValue.fromNs(s);
            }
            case 7 -> {
                List<SdkBytes> s = new ArrayList<>();
                for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                    byte[] b = bytes().asByteArray();
                    byte[] unique = java.util.Arrays.copyOf(b, b.length + 1);
                    unique[b.length] = (byte) i;
                    s.add(SdkBytes.fromByteArray(unique));
                }
                yield AttributeValue.fromBs(s);
            }
            case 8 -> {
                List<AttributeValue> l = new ArrayList<>();
                for (int i = 0, n = r.nextInt(5); i < n; i++) {
                    l.add(value(depth + 1));
                }
                yield AttributeValue.fromL(l);
            }
            default -> {
                Map<String, AttributeValue> m = new LinkedHashMap<>();
                for (int i = 0, n = r.nextInt(5); i < n; i++) {
                    m.put(text(1 + r.nextInt(4)) + i, value(depth + 1));
                }
                yield AttributeValue.fromM(m);
            }
        };
    }

    private SdkBytes bytes() {
        byte[] b = new byte[1 + r.nextInt(20)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return SdkBytes.fromByteArray(b);
    }
}
