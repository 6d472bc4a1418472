package io.cutover.cli;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.local.LocalDynamoDb;
import io.cutover.mongodb.DocumentMapping;
import io.cutover.mongodb.IdRangeUnit;
import io.cutover.mongodb.MongoCollectionSource;
import io.cutover.mongodb.MongoMigration;
import io.cutover.mongodb.MongoMigrationSettings;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.mongodb.MongoTargetTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover bench mongodb}: the MongoDB backfill measured against two ceilings taken in the same
 * run: (a) DynamoDB Local's write ceiling, the fastest raw BatchWriteItem load of the same items,
 * already mapped, and (b) the source's read rate, the same {@code _id} ranges read and mapped without
 * writing. DynamoDB Local runs as a child process, the MongoDB server (mongo-java-server) in this JVM.
 */
final class MongoBench {
    private static final int RANGES = 8;

    /** One measured phase. */
    public record Phase(String name, long items, double seconds, double itemsPerSecond) {
    }

    /** The benchmark's result: {@code toCeiling} is backfill documents/s over the write ceiling's items/s. */
    public record MongoBenchResult(String benchmark, long documents, List<Phase> phases, double toCeiling, double toSourceRead) {
    }

    private MongoBench() {
    }

    static int run(int items, int writers, Printer p) throws Exception {
        if (items < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--items must be at least 1");
        }
        p.note(String.format(Locale.ROOT, "Benchmark mongodb: %,d documents; mongo-java-server in this JVM, DynamoDB Local as a child process...", items));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-mongo");
             EmbeddedMongo mongo = new EmbeddedMongo(true);
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g");
             MongoClient client = MongoClients.create(mongo.uri("shop"))) {
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
            Random r = new Random(1);
            List<Document> batch = new ArrayList<>();
            for (int i = 0; i < items; i++) {
                batch.add(MongoDemoWriter.document(i, r));
                if (batch.size() == 1000 || i == items - 1) {
                    orders.insertMany(batch);
                    batch = new ArrayList<>();
                }
            }
            DocumentMapping mapping = DocumentMapping.byId("dataId");
            DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
            List<Phase> phases = new ArrayList<>();
            try (DynamoDbClient ddb = DynamoDbClients.create(target, writers + 8);
                 MongoCollectionSource source = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), "orders", mapping)) {
                List<IdRangeUnit> units = source.units(source.splitPoints(RANGES), null, 1000, u -> { });
                List<Map<String, AttributeValue>> mapped = new ArrayList<>();
                phases.add(timed("source read (ranges read and mapped, no writes)", () -> readAll(units, mapped)));
                p.note(line(phases.get(0)));
                MongoTargetTable.ensure(ddb, "bench-ceiling", source);
                // A cold DynamoDB Local (JIT, fresh in-memory tables) writes far slower than a warm one; warm it with the
                // same items first, so the ceiling is not understated.
                MongoTargetTable.ensure(ddb, "bench-warmup", source);
                writeAll(ddb, target, "bench-warmup", mapped, writers, scratch);
                phases.add(timed("DynamoDB Local write ceiling (raw BatchWriteItem, " + writers + " in flight)",
                        () -> writeAll(ddb, target, "bench-ceiling", mapped, writers, scratch)));
                p.note(line(phases.get(1)));
            }
            MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), "orders", mapping, target,
                    "bench-backfill", scratch.path().resolve("migrate"), MongoMigrationSettings.Mode.CHANGE_STREAM, null, RANGES, RANGES,
                    writers, 0, 1000);
            phases.add(timed("cutover migrate --source mongodb, backfill phase", () -> {
                try (MongoMigration m = new MongoMigration(settings, true)) {
                    MigrationStatus s = m.run("backfill", CopyProgress.NONE, x -> { });
                    return s.backfillItems();
                }
            }));
            p.note(line(phases.get(2)));
            double toCeiling = phases.get(2).itemsPerSecond() / phases.get(1).itemsPerSecond();
            double toRead = phases.get(2).itemsPerSecond() / phases.get(0).itemsPerSecond();
            MongoBenchResult result = new MongoBenchResult("mongodb", items, phases, toCeiling, toRead);
            p.result(result, x -> String.format(Locale.ROOT, "Backfill: %,.0f documents/s = %.2f x the DynamoDB Local write ceiling, %.2f x the"
                    + " source's read rate (figures from a shared machine are noisy; compare within one run)%n", phases.get(2).itemsPerSecond(),
                    toCeiling, toRead));
            return 0;
        }
    }

    private interface Work {
        long run() throws Exception;
    }

    private static Phase timed(String name, Work work) throws Exception {
        long start = System.nanoTime();
        long n = work.run();
        double s = (System.nanoTime() - start) / 1e9;
        return new Phase(name, n, s, n / s);
    }

    private static String line(Phase ph) {
        return String.format(Locale.ROOT, "  %-60s %,9d in %6.1f s = %,8.0f /s", ph.name(), ph.items(), ph.seconds(), ph.itemsPerSecond());
    }

    private static long readAll(List<IdRangeUnit> units, List<Map<String, AttributeValue>> into) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(units.size());
        AtomicLong n = new AtomicLong();
        try {
            List<Future<List<Map<String, AttributeValue>>>> parts = new ArrayList<>();
            for (IdRangeUnit u : units) {
                parts.add(pool.submit(() -> {
                    List<Map<String, AttributeValue>> out = new ArrayList<>();
                    Position pos = null;
                    do {
                        Page page = u.readPage(pos);
                        out.addAll(page.items());
                        pos = page.next();
                    } while (pos != null);
                    n.addAndGet(out.size());
                    return out;
                }));
            }
            for (Future<List<Map<String, AttributeValue>>> f : parts) {
                into.addAll(f.get());
            }
        } finally {
            pool.shutdown();
        }
        return n.get();
    }

    private static long writeAll(DynamoDbClient ddb, DynamoDbEndpoint target, String table, List<Map<String, AttributeValue>> items,
                                 int writers, ScratchDirectory scratch) {
        try (DynamoDbBatchWriter w = new DynamoDbBatchWriter(ddb, table, writers, Throttle.unlimited(), RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(target), new FileDeadLetterSink(scratch.path().resolve("ceiling-dead.jsonl")))) {
            List<CompletableFuture<WriteOutcome>> inFlight = new ArrayList<>();
            long written = 0;
            for (int i = 0; i < items.size(); i += 500) {
                inFlight.add(w.write(items.subList(i, Math.min(items.size(), i + 500))));
                if (inFlight.size() >= writers) {
                    written += inFlight.remove(0).join().written();
                }
            }
            for (CompletableFuture<WriteOutcome> f : inFlight) {
                written += f.join().written();
            }
            return written;
        }
    }
}
