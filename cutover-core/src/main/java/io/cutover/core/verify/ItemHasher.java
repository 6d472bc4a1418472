package io.cutover.core.verify;

import io.cutover.core.item.CanonicalItem;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Hashes items for the verifier: the key's canonical form decides the bucket, and a 128-bit digest
 * of key and item (SHA-256, truncated) stands for the item's content. Stateless apart from a
 * per-thread MessageDigest; thread-safe.
 */
public final class ItemHasher {
    private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private final List<String> keyAttributes;
    private final int buckets;

    public ItemHasher(List<String> keyAttributes, int buckets) {
        if (keyAttributes.isEmpty()) {
            throw new IllegalArgumentException("need at least one key attribute");
        }
        if (Integer.bitCount(buckets) != 1) {
            throw new IllegalArgumentException("buckets must be a power of two");
        }
        this.keyAttributes = List.copyOf(keyAttributes);
        this.buckets = buckets;
    }

    public List<String> keyAttributes() {
        return keyAttributes;
    }

    public int buckets() {
        return buckets;
    }

    /** The item's key attributes only, in key-schema order. */
    public Map<String, AttributeValue> key(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        for (String k : keyAttributes) {
            AttributeValue v = item.get(k);
            if (v != null) {
                key.put(k, v);
            }
        }
        return key;
    }

    /** The canonical text of the key: equal keys have equal text. */
    public String keyText(Map<String, AttributeValue> item) {
        return CanonicalItem.of(key(item));
    }

    /** The item's bucket and content digest. */
    public Hashed hash(Map<String, AttributeValue> item) {
        return hash(form(item));
    }

    /** The item's key and canonical texts, from its attribute values. */
    public CanonicalForm form(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key = key(item);
        return new CanonicalForm(key, CanonicalItem.of(key), CanonicalItem.of(item).getBytes(StandardCharsets.UTF_8));
    }

    /** The bucket and content digest of an item in canonical form. */
    public Hashed hash(CanonicalForm item) {
        String keyText = item.keyText();
        MessageDigest sha = SHA.get();
        byte[] k = sha.digest(keyText.getBytes(StandardCharsets.UTF_8));
        int bucket = (int) (ByteBuffer.wrap(k).getLong() & (buckets - 1));
        sha.update(k);
        byte[] d = sha.digest(item.textUtf8());
        ByteBuffer b = ByteBuffer.wrap(d);
        return new Hashed(keyText, bucket, b.getLong(), b.getLong());
    }

    /** An item's bucket and 128-bit content digest (which covers its key). */
    public record Hashed(String keyText, int bucket, long high, long low) {
        public boolean sameContent(Hashed other) {
            return high == other.high && low == other.low;
        }
    }
}
