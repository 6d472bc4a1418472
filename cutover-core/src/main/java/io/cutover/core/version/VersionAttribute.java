package io.cutover.core.version;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Where an item keeps its write version, and the version rule as a DynamoDB condition
 * (docs/decisions/0070-versioned-writes-and-the-version-rule.md). One settings value shared by the
 * application's store and every replicated write (forward applier, reverse applier, journal replay),
 * so they all read and write the same reserved attributes.
 *
 * @param name      the version attribute (default {@value #DEFAULT_NAME})
 * @param tombstone the attribute that marks a deleted item kept as a tombstone ({@code name + "_deleted"})
 */
public record VersionAttribute(String name, String tombstone) {
    public static final String DEFAULT_NAME = "cutover_v";
    public static final VersionAttribute DEFAULT = of(DEFAULT_NAME);

    public VersionAttribute {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,200}") || tombstone == null || tombstone.equals(name)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--version-attribute: '" + name
                    + "' is not an attribute name; use letters, digits, '_', '.' or '-'");
        }
    }

    public static VersionAttribute of(String name) {
        return new VersionAttribute(name, name + "_deleted");
    }

    /** The version an item carries, if any. */
    public Optional<String> versionOf(Map<String, AttributeValue> item) {
        AttributeValue v = item == null ? null : item.get(name);
        return v == null || v.s() == null ? Optional.empty() : Optional.of(v.s());
    }

    /** Whether the item is a tombstone: a delete kept with its version so that late, older writes cannot bring it back. */
    public boolean isTombstone(Map<String, AttributeValue> item) {
        AttributeValue t = item == null ? null : item.get(tombstone);
        return t != null && Boolean.TRUE.equals(t.bool());
    }

    /** The item the application sees: without the reserved attributes; empty for a tombstone. */
    public Optional<Map<String, AttributeValue>> visible(Map<String, AttributeValue> item) {
        if (item == null || isTombstone(item)) {
            return Optional.empty();
        }
        Map<String, AttributeValue> out = new HashMap<>(item);
        out.remove(name);
        out.remove(tombstone);
        return Optional.of(out);
    }

    /** {@code item} stamped with {@code version} (a copy; a tombstone flag the caller passed in is dropped). */
    public Map<String, AttributeValue> stamp(Map<String, AttributeValue> item, Version version) {
        Map<String, AttributeValue> out = new HashMap<>(item);
        out.remove(tombstone);
        out.put(name, AttributeValue.fromS(version.encoded()));
        return out;
    }

    /** The tombstone of a deleted key: the key, the version, the flag. */
    public Map<String, AttributeValue> tombstoneOf(Map<String, AttributeValue> key, Version version) {
        Map<String, AttributeValue> out = new HashMap<>(key);
        out.put(name, AttributeValue.fromS(version.encoded()));
        out.put(tombstone, AttributeValue.fromBool(true));
        return out;
    }

    /**
     * The version rule as a DynamoDB condition: the write lands only where the stored item has no version or an
     * older one. Use with {@link #names()} and {@link #values}.
     */
    public static final String NEWER = "attribute_not_exists(#cutover_v) OR #cutover_v < :cutover_v";

    /** The condition for a write that carries no version (made outside the store): it lands only on unversioned items. */
    public static final String UNVERSIONED_ONLY = "attribute_not_exists(#cutover_v)";

    public Map<String, String> names() {
        return Map.of("#cutover_v", name);
    }

    public Map<String, AttributeValue> values(String version) {
        return Map.of(":cutover_v", AttributeValue.fromS(version));
    }
}
