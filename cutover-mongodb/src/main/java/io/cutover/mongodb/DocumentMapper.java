package io.cutover.mongodb;

import io.cutover.core.item.ItemSize;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns MongoDB documents into DynamoDB items, type by type, exactly as the table in docs/mongodb.md
 * says; a value with no exact DynamoDB form makes the whole document unmappable, with the reason and
 * the field's path, so it is dead-lettered rather than written changed. Stateless and thread-safe.
 */
public final class DocumentMapper {
    /** DynamoDB's number range: magnitudes from 1E-130 to below 1E+126, at most 38 significant digits. */
    private static final int MAX_DIGITS = 38;

    private final DocumentMapping mapping;

    public DocumentMapper(DocumentMapping mapping) {
        this.mapping = mapping;
    }

    public DocumentMapping mapping() {
        return mapping;
    }

    /** The item for a document; throws {@link UnmappableDocumentException} with the reason when it has no exact form. */
    public Map<String, AttributeValue> item(BsonDocument document) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        BsonValue key = document.get(mapping.keyField());
        if (key == null) {
            throw new UnmappableDocumentException("the document has no key field '" + mapping.keyField() + "' (--key-field)");
        }
        String sortField = mapping.sortKeyField().orElse(null);
        for (Map.Entry<String, BsonValue> e : document.entrySet()) {
            String name = e.getKey();
            if (name.equals(mapping.keyField()) || name.equals(sortField)) {
                continue;
            }
            if (name.equals(mapping.keyAttribute()) || mapping.sortAttribute().map(name::equals).orElse(false)) {
                throw new UnmappableDocumentException("field '" + name + "' has the name of a key attribute; choose another --key-attribute");
            }
            item.put(checkName(name, name), value(e.getValue(), name));
        }
        item.put(mapping.keyAttribute(), keyValue(key, mapping.keyField()));
        if (sortField != null) {
            BsonValue sort = document.get(sortField);
            if (sort == null) {
                throw new UnmappableDocumentException("the document has no sort key field '" + sortField + "' (--sort-key-field)");
            }
            item.put(mapping.sortAttribute().orElseThrow(), keyValue(sort, sortField));
        }
        long size = ItemSize.billed(item);
        if (size > ItemSize.MAX_ITEM_BYTES) {
            throw new UnmappableDocumentException("the item is " + size + " bytes once mapped, over DynamoDB's 400 KB item limit");
        }
        return item;
    }

    /** The item key of a document (its key attributes only). */
    public Map<String, AttributeValue> key(BsonDocument document) {
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        BsonValue k = document.get(mapping.keyField());
        if (k == null) {
            throw new UnmappableDocumentException("the document has no key field '" + mapping.keyField() + "' (--key-field)");
        }
        key.put(mapping.keyAttribute(), keyValue(k, mapping.keyField()));
        if (mapping.sortKeyField().isPresent()) {
            BsonValue s = document.get(mapping.sortKeyField().get());
            if (s == null) {
                throw new UnmappableDocumentException("the document has no sort key field '" + mapping.sortKeyField().get() + "'");
            }
            key.put(mapping.sortAttribute().orElseThrow(), keyValue(s, mapping.sortKeyField().get()));
        }
        return key;
    }

    /** A key attribute: DynamoDB keys are S, N or B, so only values that map to one of those qualify. */
    public AttributeValue keyValue(BsonValue v, String path) {
        AttributeValue a = value(v, path);
        if (a.s() == null && a.n() == null && a.b() == null) {
            throw new UnmappableDocumentException("key field '" + path + "' holds a " + v.getBsonType()
                    + ", but a DynamoDB key must be a string, number or binary");
        }
        if (a.s() != null && a.s().isEmpty() || a.b() != null && a.b().asByteArray().length == 0) {
            throw new UnmappableDocumentException("key field '" + path + "' is empty, which DynamoDB does not allow in a key");
        }
        return a;
    }

    AttributeValue value(BsonValue v, String path) {
        switch (v.getBsonType()) {
            case OBJECT_ID:
                return AttributeValue.fromS(v.asObjectId().getValue().toHexString());
            case STRING:
                return AttributeValue.fromS(v.asString().getValue());
            case SYMBOL:
                return AttributeValue.fromS(v.asSymbol().getSymbol());
            case INT32:
                return AttributeValue.fromN(Integer.toString(v.asInt32().getValue()));
            case INT64:
                return AttributeValue.fromN(Long.toString(v.asInt64().getValue()));
            case DOUBLE:
                return AttributeValue.fromN(number(v.asDouble().getValue(), path));
            case DECIMAL128:
                return AttributeValue.fromN(number(v.asDecimal128().getValue(), path));
            case DATE_TIME:
                return date(v.asDateTime().getValue());
            case TIMESTAMP:
                return date(v.asTimestamp().getTime() * 1000L);
            case BINARY:
                return AttributeValue.fromB(SdkBytes.fromByteArray(v.asBinary().getData()));
            case BOOLEAN:
                return AttributeValue.fromBool(v.asBoolean().getValue());
            case NULL:
            case UNDEFINED:
                return AttributeValue.fromNul(true);
            case DOCUMENT: {
                Map<String, AttributeValue> m = new LinkedHashMap<>();
                for (Map.Entry<String, BsonValue> e : v.asDocument().entrySet()) {
                    String p = path + "." + e.getKey();
                    m.put(checkName(e.getKey(), p), value(e.getValue(), p));
                }
                return AttributeValue.fromM(m);
            }
            case ARRAY: {
                List<AttributeValue> l = new ArrayList<>();
                int i = 0;
                for (BsonValue e : v.asArray()) {
                    l.add(value(e, path + "[" + i++ + "]"));
                }
                return AttributeValue.fromL(l);
            }
            default:
                // REGULAR_EXPRESSION, JAVASCRIPT, JAVASCRIPT_WITH_SCOPE, DB_POINTER, MIN_KEY, MAX_KEY: code and
                // query operators, not data; no DynamoDB type keeps their meaning, so they are not guessed at.
                throw new UnmappableDocumentException("field '" + path + "' holds a BSON " + v.getBsonType()
                        + ", which has no DynamoDB equivalent (docs/mongodb.md, type mapping)");
        }
    }

    private AttributeValue date(long epochMillis) {
        return mapping.dates() == DateFormat.EPOCH ? AttributeValue.fromN(Long.toString(epochMillis))
                : AttributeValue.fromS(DateFormat.iso(epochMillis));
    }

    private static String checkName(String name, String path) {
        if (name.isEmpty()) {
            throw new UnmappableDocumentException("field '" + path + "' has an empty name, which DynamoDB does not allow");
        }
        return name;
    }

    /** The shortest decimal that reads back as the same double (what Double.toString prints), checked against DynamoDB's range. */
    static String number(double d, String path) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new UnmappableDocumentException("field '" + path + "' is " + d + ", which a DynamoDB number cannot hold");
        }
        return number(BigDecimal.valueOf(d), path);
    }

    static String number(Decimal128 d, String path) {
        if (d.isNaN() || d.isInfinite()) {
            throw new UnmappableDocumentException("field '" + path + "' is Decimal128 " + d + ", which a DynamoDB number cannot hold");
        }
        try {
            return number(d.bigDecimalValue(), path);
        } catch (ArithmeticException negativeZero) {
            return "0";
        }
    }

    private static String number(BigDecimal b, String path) {
        if (b.signum() == 0) {
            return "0";
        }
        BigDecimal s = b.stripTrailingZeros();
        if (s.precision() > MAX_DIGITS) {
            throw new UnmappableDocumentException("field '" + path + "' has " + s.precision() + " significant digits; DynamoDB keeps 38");
        }
        int exponent = s.precision() - s.scale() - 1;
        if (exponent < -130 || exponent > 125) {
            throw new UnmappableDocumentException("field '" + path + "' is " + s + ", outside DynamoDB's number range (1E-130 to 9.9E+125)");
        }
        return s.toPlainString().length() <= 60 ? s.toPlainString() : s.toString();
    }
}
