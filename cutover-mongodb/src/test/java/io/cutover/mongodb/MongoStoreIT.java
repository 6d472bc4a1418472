package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.cutover.client.Store;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link MongoStore} against mongo-java-server: the version rule as one conditional write, tombstones, updates, conditions. */
class MongoStoreIT {
    private static TestMongo mongo;
    private static MongoClient client;
    private static final VersionAttribute V = VersionAttribute.of("rev");
    private final HybridClock clock = new HybridClock("test-1");

    @BeforeAll
    static void start() {
        mongo = new TestMongo(false);
        client = mongo.client();
    }

    @AfterAll
    static void stop() {
        client.close();
        mongo.close();
    }

    private static MongoStore store(String collection) {
        return new MongoStore(collection(collection), DocumentMapping.byId("id"));
    }

    private static MongoCollection<Document> collection(String name) {
        return client.getDatabase("shop").getCollection(name);
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        return Map.of("id", AttributeValue.fromS(id), "value", AttributeValue.fromS(value));
    }

    private static Optional<String> value(MongoStore store, String id) {
        return store.get(key(id)).flatMap(V::visible).map(i -> i.get("value").s());
    }

    @Test
    void writesOnlyNewerVersionsAndKeepsTombstones() {
        MongoStore store = store("rule");
        Version v1 = clock.next(1);
        Version v2 = clock.next(1);
        Version v3 = clock.next(1);
        assertTrue(store.putIfNewer(V.stamp(item("a", "two"), v2), V));
        assertFalse(store.putIfNewer(V.stamp(item("a", "one"), v1), V), "older: the upsert meets the stored _id (duplicate key)");
        assertFalse(store.putIfNewer(V.stamp(item("a", "two again"), v2), V), "equal: an echo");
        assertFalse(store.putIfNewer(item("a", "unversioned"), V), "an unversioned write never lands on a versioned document");
        assertEquals(Optional.of("two"), value(store, "a"));
        assertTrue(store.putIfNewer(V.tombstoneOf(key("a"), v3), V));
        assertTrue(V.isTombstone(store.get(key("a")).orElseThrow()));
        assertEquals(Optional.empty(), value(store, "a"));
        assertFalse(store.putIfNewer(V.stamp(item("a", "late"), v2), V), "a late older write cannot bring the document back");
        Document stored = collection("rule").find(new Document("_id", "a")).first();
        assertEquals(v3.encoded(), stored.getString("rev"), "the configured version field name is used");
        assertEquals(Boolean.TRUE, stored.getBoolean("rev_deleted"));
        assertFalse(stored.containsKey("value"), "a tombstone keeps only the key and the version");
    }

    @Test
    void unversionedDocumentsTakeUnversionedWritesAndDeletes() {
        MongoStore store = store("unversioned");
        store.put(item("u", "outside"));
        assertTrue(store.putIfNewer(item("u", "outside again"), V));
        assertTrue(store.deleteUnversioned(key("u"), V));
        assertEquals(Optional.empty(), store.get(key("u")));
        assertTrue(store.putIfNewer(V.stamp(item("u", "versioned"), clock.next(1)), V));
        assertFalse(store.deleteUnversioned(key("u"), V), "a versioned document is never deleted by an unversioned delete");
        assertEquals(Optional.of("versioned"), value(store, "u"));
    }

    @Test
    void updatesTranslateSetAddRemoveUnderTheRule() {
        MongoStore store = store("updates");
        Store.Update add = new Store.Update("ADD #n :one", Map.of("#n", "n"), Map.of(":one", AttributeValue.fromN("1")));
        Map<String, AttributeValue> first = store.updateIfNewer(key("c"), add, clock.next(1), V).orElseThrow();
        assertEquals("1", first.get("n").n(), "ADD of an absent document inserts it");
        Version v = clock.next(1);
        assertEquals("2", store.updateIfNewer(key("c"), add, v, V).orElseThrow().get("n").n());
        assertEquals(Optional.empty(), store.updateIfNewer(key("c"), add, v, V), "the same version is not newer");
        Map<String, AttributeValue> after = store.updateIfNewer(key("c"), new Store.Update("SET #s = :s, note = :x REMOVE n",
                Map.of("#s", "status"), Map.of(":s", AttributeValue.fromS("open"), ":x", AttributeValue.fromS("hi"))), clock.next(1), V)
                .orElseThrow();
        assertEquals("open", after.get("status").s());
        assertFalse(after.containsKey("n"));
        store.putIfNewer(V.tombstoneOf(key("c"), clock.next(1)), V);
        Map<String, AttributeValue> revived = store.updateIfNewer(key("c"), add, clock.next(1), V).orElseThrow();
        assertFalse(V.isTombstone(revived), "an update clears the tombstone");
        assertEquals("1", revived.get("n").n());
        CutoverException unsupported = assertThrows(CutoverException.class, () -> store.updateIfNewer(key("c"),
                new Store.Update("SET n = n + :one", Map.of(), Map.of(":one", AttributeValue.fromN("1"))), clock.next(1), V));
        assertEquals(ErrorCode.UNSUPPORTED, unsupported.code());
        assertTrue(unsupported.getMessage().contains("SET path = :v"), unsupported.getMessage());
    }

    @Test
    void conditionsHoldOnLiveDocumentsAndTreatTombstonesAsAbsent() {
        MongoStore store = store("conditions");
        Store.Condition insertOnly = new Store.Condition("attribute_not_exists(id)", null, null);
        assertTrue(store.putIfNewer(V.stamp(item("k", "first"), clock.next(1)), V, insertOnly));
        CutoverException taken = assertThrows(CutoverException.class,
                () -> store.putIfNewer(V.stamp(item("k", "second"), clock.next(1)), V, insertOnly));
        assertEquals(ErrorCode.CONDITION_FAILED, taken.code());
        store.putIfNewer(V.tombstoneOf(key("k"), clock.next(1)), V);
        assertTrue(store.putIfNewer(V.stamp(item("k", "again"), clock.next(1)), V, insertOnly), "a tombstone counts as absent");
        Store.Condition expect = new Store.Condition("#v = :old", Map.of("#v", "value"), Map.of(":old", AttributeValue.fromS("again")));
        assertTrue(store.putIfNewer(V.stamp(item("k", "swapped"), clock.next(1)), V, expect));
        assertThrows(CutoverException.class, () -> store.putIfNewer(V.stamp(item("k", "lost"), clock.next(1)), V, expect));
        assertEquals(Optional.of("swapped"), value(store, "k"));
        CutoverException or = assertThrows(CutoverException.class, () -> store.putIfNewer(V.stamp(item("k", "x"), clock.next(1)), V,
                new Store.Condition("attribute_exists(id) OR size(value) > :n", null, Map.of(":n", AttributeValue.fromN("1")))));
        assertEquals(ErrorCode.UNSUPPORTED, or.code());
    }

    @Test
    void transactsOneWriteAndRefusesSeveral() {
        MongoStore store = store("transactions");
        assertTrue(store.transactIfNewer(List.of(new Store.Put(item("t", "one"), null)), clock.next(1), V));
        assertEquals(Optional.of("one"), value(store, "t"));
        CutoverException two = assertThrows(CutoverException.class, () -> store.transactIfNewer(List.of(new Store.Put(item("t", "a"), null),
                new Store.Put(item("t2", "b"), null)), clock.next(1), V));
        assertEquals(ErrorCode.UNSUPPORTED, two.code());
        assertTrue(two.getMessage().contains("replica set"), two.getMessage());
        assertEquals(Optional.of("one"), value(store, "t"), "nothing of the refused transaction was written");
    }

    @Test
    void findsDocumentsWhoseIdIsAnObjectId() {
        ObjectId id = new ObjectId();
        collection("objectids").insertOne(new Document("_id", id).append("value", "old"));
        MongoStore store = store("objectids");
        assertEquals(Optional.of("old"), value(store, id.toHexString()));
        assertTrue(store.putIfNewer(V.stamp(item(id.toHexString(), "new"), clock.next(1)), V));
        assertEquals(1, collection("objectids").countDocuments());
        assertEquals("new", collection("objectids").find(new Document("_id", id)).first().getString("value"));
    }

    @Test
    void concurrentWritersEndOnTheNewestVersion() throws Exception {
        MongoStore store = store("race");
        List<Version> versions = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            versions.add(new HybridClock("w" + (i % 4)).next(1));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (Version v : versions) {
                results.add(pool.submit(() -> store.putIfNewer(V.stamp(item("r", v.encoded()), v), V)));
            }
            for (Future<Boolean> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        String newest = versions.stream().map(Version::encoded).max(String::compareTo).orElseThrow();
        assertEquals(Optional.of(newest), value(store, "r"));
        assertEquals(1, collection("race").countDocuments());
    }

    @Test
    void refusesAMappingWithoutAUniqueKey() {
        CutoverException e = assertThrows(CutoverException.class, () -> new MongoStore(collection("x"),
                new DocumentMapping("orderId", "id", Optional.empty(), Optional.empty(), DateFormat.ISO)));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
    }
}
