package io.cutover.mongodb;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonBinary;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The inverse of the key mapping, which is not one-to-one (an ObjectId and its hex string both map
 * to the same S; Int32, Int64 and Double to the same N): every BSON value a key attribute can have
 * come from, for lookups. The lookup then keeps the document whose key maps back to the item's key.
 */
final class KeyValues {
    private KeyValues() {
    }

    static List<BsonValue> candidates(AttributeValue a) {
        List<BsonValue> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        if (a.s() != null) {
            out.add(new BsonString(a.s()));
            if (a.s().matches("[0-9a-f]{24}")) {
                out.add(new BsonObjectId(new ObjectId(a.s())));
            }
            if (a.s().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z")) {
                // a Date key rendered by --dates iso
                out.add(new BsonDateTime(java.time.Instant.parse(a.s()).toEpochMilli()));
            }
        } else if (a.n() != null) {
            BigDecimal n = new BigDecimal(a.n());
            try {
                long l = n.longValueExact();
                out.add(new BsonInt64(l));
                out.add(new BsonDateTime(l)); // a Date key rendered by --dates epoch
                if (l == (int) l) {
                    out.add(new BsonInt32((int) l));
                }
            } catch (ArithmeticException notALong) {
                // a fraction or a large number: a double or a decimal
            }
            out.add(new BsonDouble(n.doubleValue()));
            try {
                out.add(new BsonDecimal128(new Decimal128(n)));
            } catch (NumberFormatException moreDigitsThanDecimal128) {
                // no Decimal128 holds it, so no document has it
            }
        } else if (a.b() != null) {
            out.add(new BsonBinary(a.b().asByteArray()));
        }
        return out;
    }
}
