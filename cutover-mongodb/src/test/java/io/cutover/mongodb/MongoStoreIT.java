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
    void aBatchDecidesEachKeyAsItsSingleCallAndWritesTheRestInOneBulk() {
        MongoStore store = store("batch");
        List<Version> v = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            v.add(clock.next(1));
        }
        assertTrue(store.putIfNewer(V.stamp(item("b", "stored"), v.get(5)), V));
        collection("batch").insertOne(new Document("_id", "c").append("value", "plain"));
        collection("batch").insertOne(new Document("_id", "i").append("value", "plain"));
        assertTrue(store.putIfNewer(V.tombstoneOf(key("d"), v.get(4)), V));
        assertTrue(store.putIfNewer(V.stamp(item("e", "kept"), v.get(2)), V));
        assertTrue(store.putIfNewer(V.stamp(item("j", "older"), v.get(1)), V));
        List<io.cutover.client.BatchedVersionedStore.ChangeResult> results = store.writeAllIfNewer(List.of(
                change(key("a"), V.stamp(item("a", "new"), v.get(1))),
                change(key("b"), V.stamp(item("b", "old"), v.get(3))),
                change(key("c"), null),
                change(key("d"), V.stamp(item("d", "late"), v.get(2))),
                change(key("e"), null),
                change(key("f"), item("f", "unversioned")),
                change(key("g"), V.tombstoneOf(key("g"), v.get(6))),
                change(key("i"), V.stamp(item("i", "versioned now"), v.get(7))),
                change(key("j"), V.stamp(item("j", "newer"), v.get(8))),
                change(key("absent"), null)), V);
        assertEquals(List.of(true, false, true, false, false, true, true, true, true, false),
                results.stream().map(io.cutover.client.BatchedVersionedStore.ChangeResult::wrote).toList());
        assertEquals(Optional.of("new"), value(store, "a"));
        assertEquals(Optional.of("stored"), value(store, "b"), "an older put writes nothing");
        assertEquals(Optional.empty(), store.get(key("c")), "an outside delete removes an unversioned document");
        assertTrue(V.isTombstone(store.get(key("d")).orElseThrow()), "a late put does not bring a deleted key back");
        assertEquals(Optional.of("kept"), value(store, "e"), "an outside delete leaves a versioned document");
        assertEquals(Optional.of("unversioned"), value(store, "f"));
        assertEquals(Optional.of(v.get(6).encoded()), store.get(key("g")).flatMap(V::versionOf), "a tombstone of an absent key is kept");
        assertEquals(Optional.of("versioned now"), value(store, "i"));
        assertEquals(Optional.of("newer"), value(store, "j"));
        assertEquals(Optional.of(v.get(8).encoded()), store.get(key("j")).flatMap(V::versionOf));
    }

    @Test
    void aBatchDecidesAWriteItsBulkCouldNotConfirmAsTheSingleCallDoes() {
        MongoStore store = store("unconfirmed");
        // A version field that is not a string: the batch's read cannot refuse the put, and the rule's filter cannot
        // match it, so the bulk's replace falls short and the put is decided again alone.
        collection("unconfirmed").insertOne(new Document("_id", "batch").append("rev", null).append("value", "odd"));
        collection("unconfirmed").insertOne(new Document("_id", "single").append("rev", null).append("value", "odd"));
        Version v1 = clock.next(1);
        List<io.cutover.client.BatchedVersionedStore.ChangeResult> results = store.writeAllIfNewer(List.of(
                change(key("batch"), V.stamp(item("batch", "new"), v1)), change(key("fresh"), V.stamp(item("fresh", "new"), v1))), V);
        boolean single = store.putIfNewer(V.stamp(item("single", "new"), v1), V);
        assertEquals(single, results.get(0).wrote(), "the same answer as the single call");
        assertTrue(results.get(1).wrote());
        assertEquals(value(store, "single"), value(store, "batch"));
        assertEquals(Optional.of("new"), value(store, "fresh"));
    }

    @Test
    void theWriterAppliesOlderAndNewerPutsAndDeletesOfAKeyInBatchesAndCountsEach() throws Exception {
        MongoStore store = store("batchwriter");
        List<Version> v = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            v.add(clock.next(1));
        }
        Version otherOlder = new Version(v.get(0).millis(), 0, "other-instance");
        try (io.cutover.core.deadletter.FileDeadLetterSink dead = new io.cutover.core.deadletter.FileDeadLetterSink(
                java.nio.file.Files.createTempFile("dead", ".jsonl"));
             io.cutover.core.deadletter.FileDeadLetterSink conflicts = new io.cutover.core.deadletter.FileDeadLetterSink(
                     java.nio.file.Files.createTempFile("conflicts", ".jsonl"));
             io.cutover.client.StoreChangeWriter writer = new io.cutover.client.StoreChangeWriter(store, V, 1,
                     io.cutover.core.retry.RetryPolicy.defaults(), dead)) {
            writer.listConflictsIn(conflicts);
            // Each apply holds distinct keys (the applier keeps a key's last change of a chunk); one key's changes arrive
            // over several batches, older and newer mixed, and the other keys make every call a batch.
            List<List<io.cutover.core.changelog.ChangeRecord>> rounds = List.of(
                    List.of(put("k", V.stamp(item("k", "two"), v.get(2))), put("x1", V.stamp(item("x1", "x"), v.get(0)))),
                    List.of(put("k", V.stamp(item("k", "one"), v.get(1))), put("x2", V.stamp(item("x2", "x"), v.get(0)))),
                    List.of(put("k", V.tombstoneOf(key("k"), v.get(3))), remove("x1")),
                    List.of(put("k", V.stamp(item("k", "late"), v.get(2))), put("x1", V.stamp(item("x1", "diverged"), otherOlder))),
                    List.of(put("k", V.stamp(item("k", "four"), v.get(4))), put("x2", V.stamp(item("x2", "x"), v.get(0)))));
            long written = 0;
            for (List<io.cutover.core.changelog.ChangeRecord> round : rounds) {
                written += writer.apply(round).written();
            }
            assertEquals(10, written, "every change handled: landed or refused");
            assertEquals(5, writer.landed(), "k two, tombstone, four; x1; x2");
            assertEquals(5, writer.olderRefused(), "k one and late; the outside delete of versioned x1; x1 diverged; x2's echo");
            assertEquals(1, writer.conflicts(), "x1: another instance's older version of another value");
            assertEquals(0, dead.count());
        }
        assertEquals(Optional.of("four"), value(store, "k"), "the newest put after the delete lands");
        assertEquals(Optional.of(v.get(4).encoded()), store.get(key("k")).flatMap(V::versionOf));
        assertEquals(Optional.of("x"), value(store, "x1"));
    }

    @Test
    void theBatchedWriterRacingTheApplicationLeavesEveryDocumentAtTheNewestVersion() throws Exception {
        MongoStore store = store("batchrace");
        int keys = 40;
        int rounds = 15;
        HybridClock writerClock = new HybridClock("writer");
        HybridClock appClock = new HybridClock("app");
        Map<String, String> newest = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService app = Executors.newSingleThreadExecutor();
        long taken = 0;
        try (io.cutover.core.deadletter.FileDeadLetterSink dead = new io.cutover.core.deadletter.FileDeadLetterSink(
                java.nio.file.Files.createTempFile("race-dead", ".jsonl"));
             io.cutover.client.StoreChangeWriter writer = new io.cutover.client.StoreChangeWriter(store, V, 4,
                     io.cutover.core.retry.RetryPolicy.defaults(), dead)) {
            Future<?> singles = app.submit(() -> {
                java.util.Random r = new java.util.Random(7);
                for (int i = 0; i < keys * rounds; i++) {
                    String id = "k" + r.nextInt(keys);
                    Version v = appClock.next(1);
                    newest.merge(id, v.encoded(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
                    store.putIfNewer(r.nextInt(4) == 0 ? V.tombstoneOf(key(id), v) : V.stamp(item(id, "app" + i), v), V);
                }
                return null;
            });
            java.util.Random r = new java.util.Random(11);
            for (int round = 0; round < rounds; round++) {
                List<io.cutover.core.changelog.ChangeRecord> batch = new ArrayList<>();
                for (int k = 0; k < keys; k++) {
                    String id = "k" + k;
                    Version v = writerClock.next(1);
                    newest.merge(id, v.encoded(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
                    batch.add(put(id, r.nextInt(5) == 0 ? V.tombstoneOf(key(id), v) : V.stamp(item(id, "w" + round), v)));
                }
                taken += writer.apply(batch).written();
            }
            singles.get();
            assertEquals(keys * rounds, taken, "every change handled once");
            assertEquals(taken, writer.landed() + writer.olderRefused());
            assertEquals(0, dead.count());
        } finally {
            app.shutdownNow();
        }
        for (int k = 0; k < keys; k++) {
            assertEquals(Optional.of(newest.get("k" + k)), store.get(key("k" + k)).flatMap(V::versionOf), "k" + k + " holds the newest version");
        }
    }

    private static io.cutover.client.BatchedVersionedStore.KeyedChange change(Map<String, AttributeValue> key, Map<String, AttributeValue> image) {
        return new io.cutover.client.BatchedVersionedStore.KeyedChange(key, image);
    }

    private static io.cutover.core.changelog.ChangeRecord put(String id, Map<String, AttributeValue> image) {
        return io.cutover.core.changelog.ChangeRecord.put("p", id, key(id), image, 0, 0);
    }

    private static io.cutover.core.changelog.ChangeRecord remove(String id) {
        return io.cutover.core.changelog.ChangeRecord.delete("p", id, key(id), 0, 0);
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
