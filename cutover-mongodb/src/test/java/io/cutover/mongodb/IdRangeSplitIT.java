package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandSucceededEvent;
import io.cutover.core.CutoverException;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Split points and ranges against mongo-java-server: quantiles without loading the ids, ranges that cover every document once, resume by _id. */
class IdRangeSplitIT {
    private static TestMongo mongo;
    private static MongoClient client;
    private static final int DOCS = 10_000;

    @BeforeAll
    static void start() {
        mongo = new TestMongo(false);
        client = mongo.client();
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            docs.add(new Document("_id", new ObjectId(1_795_000_000 + i, i)).append("i", i));
        }
        client.getDatabase("shop").getCollection("split").insertMany(docs);
        MongoCollection<Document> mixed = client.getDatabase("shop").getCollection("mixed");
        mixed.insertOne(new Document("_id", 1));
        mixed.insertOne(new Document("_id", "one"));
    }

    @AfterAll
    static void stop() {
        client.close();
        mongo.close();
    }

    /** Counts the documents the server returned to find and getMore commands. */
    static final class ReturnedDocuments implements CommandListener {
        final AtomicLong documents = new AtomicLong();

        @Override
        public void commandSucceeded(CommandSucceededEvent e) {
            BsonDocument cursor = e.getResponse().getDocument("cursor", null);
            if (cursor != null) {
                String batch = cursor.containsKey("firstBatch") ? "firstBatch" : "nextBatch";
                documents.addAndGet(cursor.getArray(batch, new org.bson.BsonArray()).size());
            }
        }
    }

    @Test
    void splitPointsAreSampledQuantilesFoundWithoutLoadingTheIds() {
        ReturnedDocuments counter = new ReturnedDocuments();
        List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
        CommandListener both = new CommandListener() {
            @Override
            public void commandStarted(com.mongodb.event.CommandStartedEvent e) {
                commands.add(e.getCommandName());
            }

            @Override
            public void commandSucceeded(CommandSucceededEvent e) {
                counter.commandSucceeded(e);
            }
        };
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "split", DocumentMapping.byId("dataId"), both)) {
            List<BsonValue> points = s.splitPoints(8);
            assertEquals(7, points.size());
            ObjectId previous = null;
            for (int k = 1; k < 8; k++) {
                ObjectId p = points.get(k - 1).asObjectId().getValue();
                assertTrue(previous == null || p.compareTo(previous) > 0, "split points out of order: " + points);
                previous = p;
                // how even the ranges are is not asserted here: mongo-java-server's $sample (a sort by a random comparator) is
                // not a uniform sample; SplitQuantilesTest checks the quantiles of a sample, a real server's $sample is uniform
            }
            // the two edges and one sample of the _ids (or, where mongo-java-server's $sample failed, one _id per skip): never the 10,000 ids
            assertTrue(counter.documents.get() <= 2 + 8 * MongoCollectionSource.SAMPLES_PER_RANGE, "the split finder read " + counter.documents.get());
            assertTrue(commands.contains("aggregate"), commands.toString());
            // the $sample is one aggregate; the skip fallback adds a second (countDocuments is an aggregate too) and one find per point
            long aggregates = commands.stream().filter("aggregate"::equals).count();
            assertEquals(s.sampledSplits() ? 1 : 2, aggregates, commands.toString());
        }
    }

    @Test
    void aSmallCollectionIsSplitFromItsSample() {
        // under 32 documents mongo-java-server's $sample (a sort by a random comparator) never fails, so this takes the $sample path
        MongoCollection<Document> small = client.getDatabase("shop").getCollection("small");
        for (int i = 0; i < 30; i++) {
            small.insertOne(new Document("_id", i * 10));
        }
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "small", DocumentMapping.byId("dataId"))) {
            List<BsonValue> points = s.splitPoints(3);
            assertTrue(s.sampledSplits());
            // the sample is the whole collection here, so its quantiles are exact
            assertEquals(List.of(new org.bson.BsonInt32(100), new org.bson.BsonInt32(200)), points);
        }
    }

    @Test
    void theBackfillReadsThePrimaryWithTheReadConcernItIsGivenWhateverTheUriSays() {
        List<BsonDocument> finds = new java.util.concurrent.CopyOnWriteArrayList<>();
        CommandListener listener = new CommandListener() {
            @Override
            public void commandStarted(com.mongodb.event.CommandStartedEvent e) {
                if (e.getCommandName().equals("find")) {
                    finds.add(e.getCommand().clone());
                }
            }
        };
        String uri = mongo.uri("shop") + "?readPreference=secondaryPreferred&readConcernLevel=local";
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(uri), "split", DocumentMapping.byId("dataId"), listener)) {
            assertEquals(com.mongodb.ReadPreference.primary(), s.collection().getReadPreference());
            IdRangeUnit unit = s.units(List.of(), null, 10, u -> { }, com.mongodb.ReadConcern.MAJORITY).get(0);
            assertEquals(10, unit.readPage(null).items().size());
            BsonDocument find = finds.get(finds.size() - 1);
            assertEquals("majority", find.getDocument("readConcern").getString("level").getValue(), find.toJson());
        }
    }

    @Test
    void rangesCoverEveryDocumentExactlyOnceAndResumeAfterTheLastId() {
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "split", DocumentMapping.byId("dataId"))) {
            List<IdRangeUnit> units = s.units(s.splitPoints(5), null, 700, u -> { });
            Set<String> seen = new HashSet<>();
            long total = 0;
            for (IdRangeUnit u : units) {
                Position p = null;
                do {
                    Page page = u.readPage(p);
                    for (Map<String, AttributeValue> item : page.items()) {
                        assertTrue(seen.add(item.get("dataId").s()), "read twice: " + item);
                        total++;
                    }
                    // resume through the encoded position, as a restarted run would
                    p = page.next() == null ? null : u.decode(page.next().encode());
                } while (p != null);
            }
            assertEquals(DOCS, total);
        }
    }

    @Test
    void theCutKeepsOnlyDocumentsUpToItsObjectIdTime() {
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "split", DocumentMapping.byId("dataId"))) {
            CutFilter cut = CutFilter.parse("_id<=" + java.time.Instant.ofEpochSecond(1_795_000_000L + 2_499));
            long n = 0;
            for (IdRangeUnit u : s.units(s.splitPoints(3), cut, 1000, x -> { })) {
                Position p = null;
                do {
                    Page page = u.readPage(p);
                    n += page.items().size();
                    p = page.next();
                } while (p != null);
            }
            assertEquals(2500, n);
        }
    }

    @Test
    void idsOfDifferentTypesAreRefusedWithTheReason() {
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "mixed", DocumentMapping.byId("dataId"))) {
            CutoverException e = assertThrows(CutoverException.class, () -> s.splitPoints(4));
            assertTrue(e.getMessage().contains("different types"), e.getMessage());
        }
    }

    @Test
    void splitPointsAndLookupsSurviveConnectionsResetUnderThem() {
        int port = Integer.parseInt(mongo.uri("shop").replaceAll(".*:(\\d+)/.*", "$1"));
        try (io.cutover.faults.TcpFaultProxy proxy = io.cutover.faults.TcpFaultProxy.start("127.0.0.1", port, 7);
             MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse("mongodb://127.0.0.1:" + proxy.port()
                     + "/shop?socketTimeoutMS=3000"), "split", DocumentMapping.byId("dataId"))) {
            s.check();
            // a fifth of the replies end in a reset: the driver's one retry of a read is not enough, ours must take over
            proxy.resetRate(0.2);
            for (int round = 0; round < 3; round++) {
                assertEquals(7, s.splitPoints(8).size());
                ObjectId id = new ObjectId(1_795_000_000 + round, round);
                assertEquals(round, s.byId(new org.bson.BsonObjectId(id)).getInt32("i").getValue());
                assertEquals(1, s.lookupAll(List.of(Map.of("dataId", AttributeValue.fromS(id.toHexString())))).size());
                assertEquals(0, s.first().getInt32("i").getValue());
            }
            assertTrue(proxy.resets() > 0, proxy.summary());
        }
    }
}
