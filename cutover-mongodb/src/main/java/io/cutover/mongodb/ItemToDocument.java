package io.cutover.mongodb;

import java.math.BigDecimal;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The inverse of {@link DocumentMapper}: a DynamoDB item back into a MongoDB document, for the writes the phased client
 * and the reverse applier make into a collection (decision 0140). The key attribute becomes the key field, every other
 * attribute a field of the same name. Types: S → string, N → Int64 when integral and within a long, else Decimal128,
 * B → binary, BOOL → boolean, NULL → null, M → embedded document, L → array. Sets (SS, NS, BS) have no BSON form that
 * maps back to a set, and a number with more than 34 significant digits no Decimal128: both are refused
 * ({@link UnmappableDocumentException}, so the reverse applier dead-letters them) rather than written changed.
 * Stateless and thread-safe.
 */
public final class ItemToDocument {
    private final DocumentMapping mapping;

    public ItemToDocument(DocumentMapping mapping) {
        this.mapping = mapping;
    }

    /** The document of {@code item}: its key field(s) first, then every other attribute. */
    public BsonDocument document(Map<String, AttributeValue> item) {
        BsonDocument d = new BsonDocument();
        AttributeValue key = item.get(mapping.keyAttribute());
        if (key == null) {
            throw new UnmappableDocumentException("the item has no key attribute '" + mapping.keyAttribute() + "'");
        }
        d.put(mapping.keyField(), value(key, mapping.keyAttribute()));
        if (mapping.sortKeyField().isPresent()) {
            String attribute = mapping.sortAttribute().orElseThrow();
            AttributeValue sort = item.get(attribute);
            if (sort == null) {
                throw new UnmappableDocumentException("the item has no sort key attribute '" + attribute + "'");
            }
            d.put(mapping.sortKeyField().get(), value(sort, attribute));
        }
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            String name = e.getKey();
            if (name.equals(mapping.keyAttribute()) || mapping.sortAttribute().map(name::equals).orElse(false)) {
                continue;
            }
            if (name.equals(mapping.keyField()) || mapping.sortKeyField().map(name::equals).orElse(false)) {
                throw new UnmappableDocumentException("attribute '" + name + "' has the name of the document's key field; rename it");
            }
            d.put(name, value(e.getValue(), name));
        }
        return d;
    }

    /** One attribute value as BSON; {@code path} names it in a refusal. */
    public static BsonValue value(AttributeValue a, String path) {
        if (a.s() != null) {
            return new BsonString(a.s());
        }
        if (a.n() != null) {
            return number(a.n(), path);
        }
        if (a.b() != null) {
            return new BsonBinary(a.b().asByteArray());
        }
        if (a.bool() != null) {
            return BsonBoolean.valueOf(a.bool());
        }
        if (Boolean.TRUE.equals(a.nul())) {
            return BsonNull.VALUE;
        }
        if (a.hasM()) {
            BsonDocument m = new BsonDocument();
            for (Map.Entry<String, AttributeValue> e : a.m().entrySet()) {
                m.put(e.getKey(), value(e.getValue(), path + "." + e.getKey()));
            }
            return m;
        }
        if (a.hasL()) {
            BsonArray l = new BsonArray();
            int i = 0;
            for (AttributeValue e : a.l()) {
                l.add(value(e, path + "[" + i++ + "]"));
            }
            return l;
        }
        if (a.hasSs() || a.hasNs() || a.hasBs()) {
            throw new UnmappableDocumentException("attribute '" + path + "' is a set (" + a.type() + "), which has no MongoDB form that"
                    + " maps back to a set; store it as a list (L)");
        }
        throw new UnmappableDocumentException("attribute '" + path + "' has no value");
    }

    static BsonValue number(String n, String path) {
        BigDecimal b = new BigDecimal(n);
        try {
            return new BsonInt64(b.longValueExact());
        } catch (ArithmeticException notALong) {
            try {
                return new BsonDecimal128(new Decimal128(b));
            } catch (NumberFormatException tooManyDigits) {
                throw new UnmappableDocumentException("attribute '" + path + "' is " + n + ", which has more significant digits than a"
                        + " MongoDB Decimal128 keeps (34)");
            }
        }
    }
}
