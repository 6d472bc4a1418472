package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ItemToDocumentTest {
    private final DocumentMapping mapping = DocumentMapping.byId("id");
    private final ItemToDocument inverse = new ItemToDocument(mapping);
    private final DocumentMapper forward = new DocumentMapper(mapping);

    @Test
    void everyItemTypeWithADocumentFormRoundTrips() {
        Map<String, AttributeValue> item = Map.of("id", AttributeValue.fromS("k1"), "s", AttributeValue.fromS(""),
                "n", AttributeValue.fromN("42"), "big", AttributeValue.fromN("12345678901234567890.5"), "neg", AttributeValue.fromN("-0.001"),
                "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 0})), "t", AttributeValue.fromBool(true),
                "nul", AttributeValue.fromNul(true),
                "m", AttributeValue.fromM(Map.of("x", AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.fromS("a"))))),
                "cutover_v", AttributeValue.fromS("E0000000003-0001764561234567-000000-app-1"));
        BsonDocument d = inverse.document(item);
        assertEquals("k1", d.getString("_id").getValue(), "the key attribute becomes the key field");
        assertTrue(d.get("n").isInt64());
        assertTrue(d.get("big").isDecimal128());
        assertEquals(item, forward.item(d), "item -> document -> item is the identity");
    }

    @Test
    void refusesWhatHasNoDocumentForm() {
        CutoverException set = assertThrows(UnmappableDocumentException.class, () -> inverse.document(Map.of("id", AttributeValue.fromS("k"),
                "tags", AttributeValue.fromSs(List.of("a")))));
        assertEquals(ErrorCode.REJECTED, set.code(), "dead-lettered by the reverse applier, not a failure of the run");
        assertTrue(set.getMessage().contains("'tags'") && set.getMessage().contains("set"), set.getMessage());
        assertThrows(UnmappableDocumentException.class, () -> inverse.document(Map.of("id", AttributeValue.fromS("k"),
                "n", AttributeValue.fromN("1.2345678901234567890123456789012345678"))));
        assertThrows(UnmappableDocumentException.class, () -> inverse.document(Map.of("value", AttributeValue.fromS("no key"))));
        assertThrows(UnmappableDocumentException.class, () -> inverse.document(Map.of("id", AttributeValue.fromS("k"),
                "_id", AttributeValue.fromS("clash"))));
    }

    @Test
    void translatesSetAddRemoveAndRefusesTheRest() {
        MongoUpdate u = MongoUpdate.of("SET #s = :s, a.b = :x ADD n :one REMOVE old, #o", Map.of("#s", "status", "#o", "other"),
                Map.of(":s", AttributeValue.fromS("open"), ":x", AttributeValue.fromN("2"), ":one", AttributeValue.fromN("1")), List.of("id"));
        BsonDocument ops = u.operators(new BsonDocument("v", new org.bson.BsonString("E1")), List.of("v_deleted"));
        assertEquals(BsonDocument.parse("{$set: {status: 'open', 'a.b': {$numberLong: '2'}, v: 'E1'}, $inc: {n: {$numberLong: '1'}},"
                + " $unset: {old: '', other: '', v_deleted: ''}}"), ops);
        BsonDocument fresh = u.applyToNew(new BsonDocument("_id", new org.bson.BsonString("k")));
        assertEquals(BsonDocument.parse("{_id: 'k', status: 'open', a: {b: {$numberLong: '2'}}, n: {$numberLong: '1'}}"), fresh);
        for (String refused : List.of("SET n = n + :one", "SET l = list_append(l, :x)", "SET l[0] = :x", "DELETE tags :x", "ADD tags :ss",
                "SET id = :x", "n = :x")) {
            CutoverException e = assertThrows(CutoverException.class, () -> MongoUpdate.of(refused, Map.of(),
                    Map.of(":one", AttributeValue.fromN("1"), ":x", AttributeValue.fromS("x"), ":ss", AttributeValue.fromSs(List.of("a"))),
                    List.of("id")), refused);
            assertTrue(e.code() == ErrorCode.UNSUPPORTED || e.code() == ErrorCode.REJECTED, refused + ": " + e.code());
        }
    }

    @Test
    void numbersBecomeInt64WhenIntegralAndDecimal128Otherwise() {
        BsonValue small = ItemToDocument.number("-7", "n");
        BsonValue huge = ItemToDocument.number("99999999999999999999", "n");
        assertTrue(small.isInt64());
        assertTrue(huge.isDecimal128());
    }
}
