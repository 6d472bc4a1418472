package io.cutover.cli;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.journal.RetryJournal;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.mongodb.CutFilter;
import io.cutover.mongodb.DocumentMapping;
import io.cutover.mongodb.MirroringCollection;
import io.cutover.mongodb.MongoCollectionSource;
import io.cutover.mongodb.MongoMigration;
import io.cutover.mongodb.MongoMigrationSettings;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.mongodb.MongoTargetTable;
import io.cutover.mongodb.MongoVerification;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover demo --source mongodb}: a live MongoDB-to-DynamoDB migration on an embedded
 * mongo-java-server and DynamoDB Local, with an application writing the whole time, ending with
 * {@code cutover verify}'s proof. Change streams by default; {@code --mode mirror} runs the dual-write way.
 */
final class MongoDemo {
    static final String COLLECTION = "orders";
    static final String TABLE = "demo-orders-from-mongodb";
    private static final long STEADY_MILLIS = 3_000;

    /** What the MongoDB demo did. */
    public record MongoDemoResult(String mode, String mongoUri, String dynamoDbEndpoint, long documentsLoaded, long writerChanges,
                                  MigrationStatus migration, MirroringCollection.Metrics mirror, VerifyResult verify, boolean identical) {
    }

    private MongoDemo() {
    }

    static int run(DemoCommand c, String modeText) throws Exception {
        MongoMigrationSettings.Mode mode = MongoMigrationSettings.Mode.parse(modeText);
        Printer p = c.printer();
        p.note("Starting an embedded MongoDB wire-protocol server (mongo-java-server) and DynamoDB Local in this process...");
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-mongo-demo");
             EmbeddedMongo mongo = new EmbeddedMongo(mode == MongoMigrationSettings.Mode.CHANGE_STREAM);
             LocalDynamoDb db = LocalDynamoDb.startInProcess();
             MongoClient client = MongoClients.create(mongo.uri("shop"));
             ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), c.output.progress())) {
            Path state = c.stateDir != null ? c.stateDir : scratch.path();
            DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection(COLLECTION);
            load(orders, c.items);
            p.note(String.format(Locale.ROOT, "1/5 loaded %,d documents into shop.%s at %s (Decimal128, Int32, Int64, Double, Date, Binary,"
                    + " Boolean, Null, nested documents and arrays)", c.items, COLLECTION, mongo.uri("shop")));
            DocumentMapping mapping = DocumentMapping.byId("dataId");
            MongoDemoResult result = mode == MongoMigrationSettings.Mode.MIRROR
                    ? mirror(c, p, bar, mongo, client, orders, target, mapping, state)
                    : changeStream(c, p, bar, mongo, orders, target, mapping, state);
            p.result(result, r -> (r.identical()
                    ? String.format(Locale.ROOT, "Demo complete (%s): a live migration with %,d concurrent writes; DynamoDB holds exactly what MongoDB"
                            + " holds (%,d items).", r.mode(), r.writerChanges(), r.verify().targetItems())
                    : "Demo FAILED: MongoDB and DynamoDB differ: " + r.verify()) + "\n");
            return result.identical() ? 0 : 1;
        }
    }

    private static void load(MongoCollection<Document> orders, int items) {
        Random r = new Random(42);
        List<Document> batch = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            batch.add(MongoDemoWriter.document(i, r));
            if (batch.size() == 1000) {
                orders.insertMany(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            orders.insertMany(batch);
        }
    }

    private static MongoMigrationSettings settings(EmbeddedMongo mongo, DocumentMapping mapping, DynamoDbEndpoint target, Path state,
                                                   MongoMigrationSettings.Mode mode, CutFilter cut) {
        return new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), COLLECTION, mapping, target, TABLE, state.resolve("migrate"),
                mode, cut, null, 4, 8, 0, 1000);
    }

    private static MongoDemoResult changeStream(DemoCommand c, Printer p, ProgressBar bar, EmbeddedMongo mongo, MongoCollection<Document> orders,
                                                DynamoDbEndpoint target, DocumentMapping mapping, Path state) throws Exception {
        MongoDemoWriter writer = new MongoDemoWriter(orders, null, c.items, 3, false);
        Thread writing = new Thread(writer, "demo-mongo-writer");
        writing.start();
        p.note("2/5 the application now inserts, updates, replaces and deletes orders every 3 ms");
        AtomicReference<MigrationStatus> latest = new AtomicReference<>();
        MigrationStatus drained;
        long start = System.nanoTime();
        try (MongoMigration migration = new MongoMigration(settings(mongo, mapping, target, state, MongoMigrationSettings.Mode.CHANGE_STREAM, null), false)) {
            CompletableFuture<MigrationStatus> running = CompletableFuture.supplyAsync(() -> migration.run("drained", bar, latest::set));
            while (!running.isDone() && (latest.get() == null || !latest.get().phase().equals("IN_SYNC"))) {
                Thread.sleep(100);
            }
            bar.finish();
            p.note(String.format(Locale.ROOT, "3/5 change stream opened and its position saved before the backfill; backfill and catch-up done:"
                    + " IN_SYNC after %.1f s", (System.nanoTime() - start) / 1e9));
            Thread.sleep(STEADY_MILLIS);
            MigrationStatus inSync = latest.get();
            writer.stop();
            writing.join();
            p.note(String.format(Locale.ROOT, "4/5 in sync with the writer running: %,d changes captured, pipeline lag p50 %d ms, p99 %d ms;"
                    + " writer stopped after %,d writes, draining", inSync == null ? 0 : inSync.captured(), inSync == null ? 0 : inSync.pipelineLagP50Millis(),
                    inSync == null ? 0 : inSync.pipelineLagP99Millis(), writer.writes()));
            drained = join(running);
        } finally {
            writer.stop();
        }
        failOn(writer);
        VerifyResult v = verify(mongo, mapping, target, state);
        p.note(verifyLine(v));
        return new MongoDemoResult("change-stream", mongo.uri("shop"), target.describe(), c.items, writer.writes(), drained, null, v, v.identical());
    }

    private static MongoDemoResult mirror(DemoCommand c, Printer p, ProgressBar bar, EmbeddedMongo mongo, MongoClient client,
                                          MongoCollection<Document> orders, DynamoDbEndpoint target, DocumentMapping mapping, Path state) throws Exception {
        MigrationStatus backfilled;
        MirroringCollection.Metrics metrics;
        MongoDemoWriter writer;
        try (DynamoDbClient ddb = DynamoDbClients.create(target, 16);
             RetryJournal journal = RetryJournal.open(state.resolve("mirror-journal.db"))) {
            try (MongoCollectionSource source = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), COLLECTION, mapping)) {
                MongoTargetTable.ensure(ddb, TABLE, source);
            }
            try (MirroringCollection mirror = new MirroringCollection(orders, mapping, ddb, TABLE, journal, 200)) {
                writer = new MongoDemoWriter(orders, mirror, c.items, 3, false);
                Thread writing = new Thread(writer, "demo-mongo-mirror-writer");
                writing.start();
                p.note("2/5 the application now writes through MirroringCollection (MongoDB first, then DynamoDB; failures to a durable"
                        + " retry journal) every 3 ms; the server has no change streams");
                Thread.sleep(1000);
                Instant cut = Instant.now();
                p.note("3/5 cut time noted: " + cut + "; every write after it reaches DynamoDB through the mirror; backfilling createdAt<=" + cut);
                try (MongoMigration migration = new MongoMigration(settings(mongo, mapping, target, state, MongoMigrationSettings.Mode.MIRROR,
                        CutFilter.parse("createdAt<=" + cut)), false)) {
                    backfilled = migration.run(null, bar, s -> { });
                }
                bar.finish();
                Thread.sleep(STEADY_MILLIS);
                writer.stop();
                writing.join();
                long deadline = System.currentTimeMillis() + 60_000;
                while (journal.pending() > 0 && System.currentTimeMillis() < deadline) {
                    mirror.drainNow();
                }
                metrics = mirror.metrics();
                p.note(String.format(Locale.ROOT, "4/5 backfill done (%,d documents); writer stopped after %,d writes; mirror: %,d mirrored, %,d journaled,"
                        + " %,d drained, %,d pending", backfilled.backfillItems(), writer.writes(), metrics.mirrored(), metrics.journaled(),
                        metrics.drained(), metrics.pending()));
            }
        }
        failOn(writer);
        VerifyResult v = verify(mongo, mapping, target, state);
        p.note(verifyLine(v));
        return new MongoDemoResult("mirror", mongo.uri("shop"), target.describe(), c.items, writer.writes(), backfilled, metrics, v, v.identical());
    }

    private static void failOn(MongoDemoWriter writer) {
        if (writer.failure() != null) {
            throw new CutoverException(ErrorCode.INTERNAL, "the demo's writer failed: " + writer.failure(), writer.failure());
        }
    }

    private static MigrationStatus join(CompletableFuture<MigrationStatus> running) {
        try {
            return running.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    private static VerifyResult verify(EmbeddedMongo mongo, DocumentMapping mapping, DynamoDbEndpoint target, Path state) {
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), COLLECTION, mapping, target, 20)) {
            return v.run(TABLE, VerifyOptions.defaults(), CopyProgress.NONE, state.resolve("verify-report.jsonl"), Optional.empty());
        }
    }

    private static String verifyLine(VerifyResult v) {
        return String.format(Locale.ROOT, "5/5 cutover verify: %s (%,d documents, %,d items; %d missing, %d extra, %d different)",
                v.identical() ? "IDENTICAL" : "DIFFERENT", v.sourceItems(), v.targetItems(), v.missing(), v.extra(), v.different());
    }
}
