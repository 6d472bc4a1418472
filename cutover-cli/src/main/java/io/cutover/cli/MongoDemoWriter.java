package io.cutover.cli;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.cutover.mongodb.MirroringCollection;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;

/**
 * The application of the MongoDB demo and of {@code cutover example mongo-writer}: inserts new
 * documents, updates, replaces and deletes existing ones, one write every {@code pauseMillis}, either
 * straight to MongoDB (change-stream mode) or through a {@link MirroringCollection} (mirror mode).
 */
final class MongoDemoWriter implements Runnable {
    private final MongoCollection<Document> plain;
    private final MirroringCollection mirror;
    private final long pauseMillis;
    private final boolean insertsOnly;
    private final AtomicLong writes = new AtomicLong();
    private volatile boolean running = true;
    private volatile RuntimeException failure;
    private int next;

    MongoDemoWriter(MongoCollection<Document> plain, MirroringCollection mirror, int existing, long pauseMillis, boolean insertsOnly) {
        this.plain = plain;
        this.mirror = mirror;
        this.next = existing;
        this.pauseMillis = pauseMillis;
        this.insertsOnly = insertsOnly;
    }

    /** A document with a variety of BSON types; its createdAt is now. */
    static Document document(int i, Random r) {
        return new Document("_id", i).append("customer", "customer-" + r.nextInt(500)).append("status", "NEW")
                .append("total", new Decimal128(new BigDecimal(r.nextInt(100_000)).movePointLeft(2)))
                .append("quantity", r.nextInt(20)).append("views", (long) r.nextInt(1_000_000)).append("score", r.nextDouble())
                .append("createdAt", new Date()).append("paid", r.nextBoolean()).append("note", null)
                .append("lines", List.of(new Document("sku", "SKU-" + r.nextInt(1000)).append("qty", 1 + r.nextInt(3))))
                .append("address", new Document("city", "City " + r.nextInt(50)).append("zip", String.format("%05d", r.nextInt(99999))))
                .append("signature", new Binary(new byte[] {(byte) i, (byte) (i >> 8), 7}));
    }

    private final Random r = new Random(7);

    @Override
    public void run() {
        try {
            while (running) {
                step();
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /** One write: an insert, or an update, replace or delete of an earlier document. */
    void step() {
        int op = insertsOnly ? 0 : r.nextInt(10);
        int key = r.nextInt(Math.max(1, next));
        if (op < 4) {
            Document d = document(next++, r);
            if (mirror != null) {
                mirror.insertOne(d);
            } else {
                plain.insertOne(d);
            }
        } else if (op < 7) {
            var update = Updates.combine(Updates.set("status", "CHANGED-" + writes.get()), Updates.inc("quantity", 1));
            if (mirror != null) {
                mirror.updateOne(key, update);
            } else {
                plain.updateOne(Filters.eq("_id", key), update);
            }
        } else if (op < 8) {
            Document d = document(key, r).append("status", "REPLACED");
            if (mirror != null) {
                mirror.replaceOne(key, d);
            } else {
                plain.replaceOne(Filters.eq("_id", key), d);
            }
        } else if (mirror != null) {
            mirror.deleteOne(key);
        } else {
            plain.deleteOne(Filters.eq("_id", key));
        }
        writes.incrementAndGet();
    }

    void stop() {
        running = false;
    }

    long writes() {
        return writes.get();
    }

    RuntimeException failure() {
        return failure;
    }
}
