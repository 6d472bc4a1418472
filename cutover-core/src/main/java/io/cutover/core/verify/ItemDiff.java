package io.cutover.core.verify;

import io.cutover.core.item.CanonicalItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Which attributes of two versions of an item differ, as paths ({@code address.city},
 * {@code lines[2].qty}), compared as {@link CanonicalItem} does: numbers by value, sets in any order,
 * types strictly. Stateless.
 */
public final class ItemDiff {
    private ItemDiff() {
    }

    public static List<String> paths(Map<String, AttributeValue> a, Map<String, AttributeValue> b) {
        List<String> out = new ArrayList<>();
        diffMaps("", a, b, out);
        return out;
    }

    private static void diffMaps(String prefix, Map<String, AttributeValue> a, Map<String, AttributeValue> b, List<String> out) {
        TreeSet<String> names = new TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        for (String name : names) {
            diff(prefix.isEmpty() ? name : prefix + "." + name, a.get(name), b.get(name), out);
        }
    }

    private static void diff(String path, AttributeValue a, AttributeValue b, List<String> out) {
        if (a == null || b == null) {
            out.add(path);
            return;
        }
        if (a.type() == AttributeValue.Type.M && b.type() == AttributeValue.Type.M) {
            diffMaps(path, a.m(), b.m(), out);
            return;
        }
        if (a.type() == AttributeValue.Type.L && b.type() == AttributeValue.Type.L && a.l().size() == b.l().size()) {
            for (int i = 0; i < a.l().size(); i++) {
                diff(path + "[" + i + "]", a.l().get(i), b.l().get(i), out);
            }
            return;
        }
        if (!CanonicalItem.of(Map.of("v", a)).equals(CanonicalItem.of(Map.of("v", b)))) {
            out.add(path);
        }
    }
}
