package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DocumentMapperTest {
    private final DocumentMapper iso = new DocumentMapper(DocumentMapping.byId("dataId"));
    private final DocumentMapper epoch = new DocumentMapper(DocumentMapping.byId("dataId").withDates(DateFormat.EPOCH));

    private static BsonDocument doc(String field, BsonValue v) {
        return new BsonDocument("_id", new BsonInt32(1)).append(field, v);
    }

    private AttributeValue mapped(BsonValue v) {
        return iso.item(doc("f", v)).get("f");
    }

    @Test
    void isoDatesAreFixedWidthUtcSoTheySortInTimeOrder() {
        // Instant.toString prints 0, 3, 6 or 9 fraction digits: "...:00Z" sorts after "...:00.500Z" although it is earlier
        long[] times = {-62_135_596_800_000L, 0, 1795428000000L, 1795428000001L, 1795428000010L, 1795428000100L, 1795428000500L,
            1795428001000L, 253_402_300_799_999L};
        List<String> rendered = new java.util.ArrayList<>();
        for (long t : times) {
            String s = mapped(new BsonDateTime(t)).s();
            assertEquals(24, s.length(), s);
            rendered.add(s);
        }
        assertEquals("0001-01-01T00:00:00.000Z", rendered.get(0));
        assertEquals("2026-11-23T10:00:00.000Z", rendered.get(2));
        List<String> sorted = new java.util.ArrayList<>(rendered);
        java.util.Collections.sort(sorted);
        assertEquals(rendered, sorted);
        assertEquals("9999-12-31T23:59:59.999Z", rendered.get(rendered.size() - 1));
        // a date sort key maps back to the Date it came from, for the mirror's lookups by key
        assertTrue(KeyValues.candidates(AttributeValue.fromS("2026-11-23T10:00:00.000Z")).contains(new BsonDateTime(1795428000000L)));
    }

    @Test
    void everyMappableBsonTypeBecomesItsDocumentedAttribute() {
        ObjectId oid = new ObjectId("65a1b2c3d4e5f60718293a4b");
        assertEquals(AttributeValue.fromS("65a1b2c3d4e5f60718293a4b"), mapped(new BsonObjectId(oid)));
        assertEquals(AttributeValue.fromS(""), mapped(new BsonString("")));
        assertEquals(AttributeValue.fromS("sym"), mapped(new BsonSymbol("sym")));
        assertEquals(AttributeValue.fromN("2147483647"), mapped(new BsonInt32(Integer.MAX_VALUE)));
        assertEquals(AttributeValue.fromN("-9223372036854775808"), mapped(new BsonInt64(Long.MIN_VALUE)));
        assertEquals(AttributeValue.fromN("0.1"), mapped(new BsonDouble(0.1)));
        assertEquals(AttributeValue.fromN("0"), mapped(new BsonDouble(-0.0)));
        assertEquals(AttributeValue.fromN("1234567890123456789012345678901234"),
                mapped(new BsonDecimal128(Decimal128.parse("1234567890123456789012345678901234"))));
        assertEquals(AttributeValue.fromN("0.000000000000000000000000000000001"),
                mapped(new BsonDecimal128(Decimal128.parse("1E-33"))));
        assertEquals(AttributeValue.fromN("0"), mapped(new BsonDecimal128(Decimal128.NEGATIVE_ZERO)));
        assertEquals(AttributeValue.fromN("2.5"), mapped(new BsonDecimal128(Decimal128.parse("2.50"))));
        assertEquals(AttributeValue.fromS("2026-11-23T10:00:00.123Z"), mapped(new BsonDateTime(1795428000123L)));
        assertEquals(AttributeValue.fromN("1795428000123"), epoch.item(doc("f", new BsonDateTime(1795428000123L))).get("f"));
        assertEquals(AttributeValue.fromS("2026-11-23T10:00:00.000Z"), mapped(new BsonTimestamp(1795428000, 7)));
        assertEquals(AttributeValue.fromN("1795428000000"), epoch.item(doc("f", new BsonTimestamp(1795428000, 7))).get("f"));
        assertEquals(AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, -1})), mapped(new BsonBinary(new byte[] {0, 1, -1})));
        assertEquals(AttributeValue.fromBool(true), mapped(BsonBoolean.TRUE));
        assertEquals(AttributeValue.fromNul(true), mapped(BsonNull.VALUE));
        assertEquals(AttributeValue.fromM(Map.of("a", AttributeValue.fromN("1"), "b", AttributeValue.fromL(List.of()))),
                mapped(new BsonDocument("a", new BsonInt32(1)).append("b", new BsonArray())));
        assertEquals(AttributeValue.fromL(List.of(AttributeValue.fromS("x"), AttributeValue.fromM(Map.of()), AttributeValue.fromNul(true))),
                mapped(new BsonArray(List.of(new BsonString("x"), new BsonDocument(), BsonNull.VALUE))));
    }

    @Test
    void decimalsKeepEveryDigitAndDoublesReadBackTheSame() {
        String n = mapped(new BsonDecimal128(Decimal128.parse("-98765432109876543210.123456789012"))).n();
        assertEquals(0, new BigDecimal(n).compareTo(new BigDecimal("-98765432109876543210.123456789012")));
        for (double d : new double[] {Math.PI, 1e-300 * 1e170, 123456789.123456789, Double.MIN_NORMAL * 1e200, 5e-324 * 1e200}) {
            String s = mapped(new BsonDouble(d)).n();
            assertEquals(d, Double.parseDouble(s), "double " + d + " came back from " + s);
        }
    }

    @Test
    void int32AndInt64OfTheSameValueMapToTheSameNumber() {
        assertEquals(mapped(new BsonInt32(42)), mapped(new BsonInt64(42)));
        assertEquals(mapped(new BsonInt32(42)), mapped(new BsonDouble(42.0)));
    }

    @Test
    void theKeyFieldGoesIntoTheKeyAttributeAndOutOfTheItem() {
        Map<String, AttributeValue> item = iso.item(new BsonDocument("_id", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("name", new BsonString("n")));
        assertEquals(Map.of("dataId", AttributeValue.fromS("65a1b2c3d4e5f60718293a4b"), "name", AttributeValue.fromS("n")), item);
        DocumentMapper sorted = new DocumentMapper(new DocumentMapping("customer", "pk", Optional.of("at"), Optional.of("sk"), DateFormat.EPOCH));
        Map<String, AttributeValue> i2 = sorted.item(new BsonDocument("_id", new BsonInt32(5)).append("customer", new BsonString("c1"))
                .append("at", new BsonDateTime(1000)));
        assertEquals(Map.of("pk", AttributeValue.fromS("c1"), "sk", AttributeValue.fromN("1000"), "_id", AttributeValue.fromN("5")), i2);
    }

    @Test
    void unrepresentableValuesAreRefusedWithTheFieldAndTheReason() {
        assertReason(new BsonDouble(Double.NaN), "f", "NaN");
        assertReason(new BsonDouble(Double.POSITIVE_INFINITY), "f", "Infinity");
        assertReason(new BsonDecimal128(Decimal128.NaN), "f", "NaN");
        assertReason(new BsonDecimal128(Decimal128.NEGATIVE_INFINITY), "f", "Infinity");
        assertReason(new BsonDecimal128(Decimal128.parse("1E+200")), "f", "range");
        assertReason(new BsonRegularExpression("a.*", "i"), "f", "REGULAR_EXPRESSION");
        assertReason(new BsonJavaScript("x()"), "f", "JAVASCRIPT");
        assertReason(new BsonMinKey(), "f", "MIN_KEY");
        assertReason(new BsonMaxKey(), "f", "MAX_KEY");
        assertReason(new BsonDbPointer("c", new ObjectId()), "f", "DB_POINTER");
        assertReason(new BsonDocument("in", new BsonArray(List.of(new BsonDouble(Double.NaN)))), "f.in[0]", "NaN");
    }

    private void assertReason(BsonValue v, String path, String reason) {
        UnmappableDocumentException e = assertThrows(UnmappableDocumentException.class, () -> iso.item(doc("f", v)));
        assertTrue(e.getMessage().contains("'" + path + "'") && e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void anItemOver400KbIsRefused() {
        String big = "x".repeat(410 * 1024);
        UnmappableDocumentException e = assertThrows(UnmappableDocumentException.class, () -> iso.item(doc("big", new BsonString(big))));
        assertTrue(e.getMessage().contains("400 KB"), e.getMessage());
        assertFalse(iso.item(doc("small", new BsonString("x".repeat(390 * 1024)))).isEmpty());
    }

    @Test
    void keysMustBeStringsNumbersOrBinary() {
        UnmappableDocumentException e = assertThrows(UnmappableDocumentException.class,
                () -> iso.item(new BsonDocument("_id", new BsonDocument("a", new BsonInt32(1)))));
        assertTrue(e.getMessage().contains("key field '_id'"), e.getMessage());
        assertThrows(UnmappableDocumentException.class, () -> iso.item(new BsonDocument("_id", new BsonString(""))));
        assertThrows(UnmappableDocumentException.class, () -> iso.item(new BsonDocument("x", new BsonInt32(1))));
    }

    @Test
    void aMappingWithContradictionsIsRefusedNamingEveryFlag() {
        CutoverException e = assertThrows(CutoverException.class,
                () -> new DocumentMapping("_id", " ", Optional.of("_id"), Optional.empty(), DateFormat.ISO));
        assertTrue(e.getMessage().contains("--key-attribute") && e.getMessage().contains("--sort-key-field"), e.getMessage());
        assertThrows(CutoverException.class, () -> DateFormat.parse("unix"));
    }

    @Test
    void positionsKeepTheBsonTypeOfTheId() {
        for (BsonValue id : List.of(new BsonInt32(7), new BsonInt64(7), new BsonDouble(7.5), new BsonString("7"),
                new BsonObjectId(new ObjectId()), new BsonDecimal128(Decimal128.parse("7.00")), new BsonDateTime(7))) {
            BsonValue back = IdPosition.decode(new IdPosition(id).encode()).id();
            assertEquals(id, back);
            assertEquals(id.getBsonType(), back.getBsonType());
        }
    }

    @Test
    void passwordsNeverAppearInTheUriShownToUsers() {
        assertEquals("mongodb://***@db1:27017,db2/shop?authSource=admin",
                MongoSourceUri.mask("mongodb://app:s3cr%40t@db1:27017,db2/shop?authSource=admin"));
        CutoverException e = assertThrows(CutoverException.class, () -> MongoSourceUri.parse("mongodb://app:hunter2@host:27017"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("database"), e.getMessage());
        assertEquals("shop", MongoSourceUri.parse("mongodb://app:hunter2@host/shop").database());
        assertFalse(MongoSourceUri.parse("mongodb://app:hunter2@host/shop").toString().contains("hunter2"));
    }

    @Test
    void cutsReadInstantsAsObjectIdTimeForTheIdAndAsDatesElsewhere() {
        CutFilter byId = CutFilter.parse("_id<=2026-11-23T10:00:00Z");
        assertEquals(new ObjectId("6b040ea0ffffffffffffffff"), byId.bound().asObjectId().getValue());
        assertEquals(new BsonDateTime(1795428000000L), CutFilter.parse("createdAt<=2026-11-23T10:00:00Z").bound());
        assertEquals(new BsonInt64(500), CutFilter.parse("seq<=500").bound());
        assertThrows(CutoverException.class, () -> CutFilter.parse("createdAt<2026"));
    }
}
