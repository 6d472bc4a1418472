package io.cutover.mongodb;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.ReadConcern;
import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonType;
import org.bson.BsonValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A MongoDB collection as a source: its connection, its {@code _id} ranges for the backfill (split
 * points from a {@code $sample} of the {@code _id}s, never the whole id list), and single-document
 * lookups by key. Every read goes to the primary whatever the URI's read preference says: a lagging
 * secondary can return a document older than the change stream's start, or than a mirrored write.
 * Thread-safe (the driver's client is).
 */
public final class MongoCollectionSource implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MongoCollectionSource.class);
    private final MongoSourceUri uri;
    private final String collectionName;
    private final MongoClient client;
    private final MongoCollection<BsonDocument> collection;
    private final DocumentMapper mapper;
    private final MongoErrorClassifier classifier;
    private volatile boolean sampledSplits;
    static final int DEFAULT_READ_TIMEOUT_SECONDS = 60;

    public MongoCollectionSource(MongoSourceUri uri, String collection, DocumentMapping mapping) {
        this(uri, collection, mapping, null);
    }

    /** @param listener told of every command the driver sends (tests count what the split finder reads) */
    MongoCollectionSource(MongoSourceUri uri, String collection, DocumentMapping mapping, com.mongodb.event.CommandListener listener) {
        if (collection == null || collection.isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-collection is required with a mongodb:// --source");
        }
        this.uri = uri;
        this.collectionName = collection;
        com.mongodb.ConnectionString cs = new com.mongodb.ConnectionString(uri.uri());
        MongoClientSettings settings = MongoClientSettings.builder().applyConnectionString(cs)
                .applyToClusterSettings(b -> b.serverSelectionTimeout(10, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> {
                    b.connectTimeout(10, TimeUnit.SECONDS);
                    if (cs.getSocketTimeout() == null) {
                        // the driver's default is to wait for ever: a half-open connection (a dropped NAT entry, a
                        // failed-over host) would hang the backfill or the change stream; socketTimeoutMS in the URI wins
                        b.readTimeout(DEFAULT_READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                }).build();
        if (listener != null) {
            settings = MongoClientSettings.builder(settings).addCommandListener(listener).build();
        }
        this.client = MongoClients.create(settings);
        this.collection = client.getDatabase(uri.database()).getCollection(collection, BsonDocument.class)
                .withReadPreference(ReadPreference.primary());
        this.mapper = new DocumentMapper(mapping);
        this.classifier = new MongoErrorClassifier(describe());
    }

    public MongoCollection<BsonDocument> collection() {
        return collection;
    }

    public MongoClient client() {
        return client;
    }

    public DocumentMapper mapper() {
        return mapper;
    }

    /** For messages: "collection orders in shop at mongodb://***@host:27017/shop". */
    public String describe() {
        return "collection " + collectionName + " in " + uri.database() + " at " + uri.masked();
    }

    public String collectionName() {
        return collectionName;
    }

    /**
     * Fails with a clear message when the server cannot be reached or the collection does not exist. A connection that
     * drops while the check reads (a reset network: the server answered, then the socket broke) is retried, as every
     * later read is; a server that cannot be selected at all (down, wrong address) still fails at once.
     */
    public void check() {
        CHECK_RETRY.execute("check " + describe(), attempt -> {
            List<String> names = client.getDatabase(uri.database()).listCollectionNames().into(new ArrayList<>());
            if (!names.contains(collectionName)) {
                throw new CutoverException(ErrorCode.TABLE_NOT_FOUND, "source collection '" + collectionName + "' not found in database "
                        + uri.database() + " at " + uri.masked() + ": check --source-collection (collections there: " + names + ")");
            }
            return null;
        }, e -> e instanceof MongoException m ? unreachable(m) : new CutoverException(ErrorCode.INTERNAL, String.valueOf(e), e),
                io.cutover.core.retry.RetryListener.NONE);
    }

    /** Retries of a start-up call whose connection dropped (check, opening the change stream). */
    static final io.cutover.core.retry.RetryPolicy CHECK_RETRY = new io.cutover.core.retry.RetryPolicy(5,
            java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2));

    /**
     * The failure of a call at start-up: refused credentials, a connection that dropped while reading or writing (the server
     * answered, then the socket broke: {@code TRANSIENT}, retried by the caller), or a server that cannot be used at all.
     */
    public CutoverException unreachable(MongoException e) {
        if (e instanceof com.mongodb.MongoSocketReadException || e instanceof com.mongodb.MongoSocketWriteException
                || e instanceof com.mongodb.MongoSocketReadTimeoutException) {
            return new CutoverException(ErrorCode.TRANSIENT, "connection to MongoDB at " + uri.masked() + " dropped: "
                    + MongoSourceUri.mask(String.valueOf(e.getMessage())), e);
        }
        if (e instanceof com.mongodb.MongoSecurityException) {
            return new CutoverException(ErrorCode.CREDENTIALS, "MongoDB at " + uri.masked() + " refused the credentials of --source: "
                    + MongoSourceUri.mask(String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()))
                    + " (check the user, the password and authSource in the URI)", e);
        }
        return new CutoverException(ErrorCode.ENDPOINT_UNREACHABLE, "cannot use MongoDB at " + uri.masked() + ": "
                + MongoSourceUri.mask(String.valueOf(e.getMessage())) + " (check --source and that the server is up)", e);
    }

    /** The server's estimate of the documents, for progress and range counts; -1 when it cannot be had after a few retries. */
    public long estimatedDocuments() {
        try {
            return CHECK_RETRY.execute("count the documents of " + describe(), attempt -> collection.estimatedDocumentCount(), classifier,
                    io.cutover.core.retry.RetryListener.NONE);
        } catch (CutoverException e) {
            LOG.warn("cannot estimate the documents of {} ({}): going on without the estimate", describe(), e.getMessage());
            return -1;
        }
    }

    /** Retries of every other read (split points, lookups): a dropped, reset or timed-out connection, as a page of the backfill is. */
    private static final io.cutover.core.retry.RetryPolicy READ_RETRY = io.cutover.core.retry.RetryPolicy.defaults();

    /** A read of the source, retried on a dropped connection by {@link #READ_RETRY}; other failures are classified and thrown. */
    private <T> T read(String what, java.util.function.Supplier<T> call) {
        return READ_RETRY.execute(what + " of " + describe(), attempt -> call.get(), classifier, io.cutover.core.retry.RetryListener.NONE);
    }

    /**
     * Up to {@code ranges - 1} split points, sorted and distinct: quantiles of a random sample of the
     * {@code _id}s ({@code $sample}, which a real server serves with a random cursor, not a collection
     * scan, while the sample is under 5% of the collection), so the cost does not grow with the
     * collection as one {@code skip(n)} per point did. The ranges are only as even as the sample; their
     * coverage is exact whatever the points are (every document falls in exactly one [p, next p)). Fails
     * when the {@code _id}s are of different BSON type brackets, which range queries cannot span. A connection
     * dropped on the way is retried: the points are found again from the start.
     */
    public List<BsonValue> splitPoints(int ranges) {
        return read("finding the split points", () -> findSplitPoints(ranges));
    }

    private List<BsonValue> findSplitPoints(int ranges) {
        BsonValue min = edge(1);
        BsonValue max = edge(-1);
        if (min == null || ranges < 2) {
            return List.of();
        }
        if (bracket(min.getBsonType()) != bracket(max.getBsonType())) {
            throw new CutoverException(ErrorCode.UNSUPPORTED, "source " + describe() + " has _id values of different types (" + min.getBsonType()
                    + " and " + max.getBsonType() + "); the _id-range backfill needs one type (numbers count as one)");
        }
        int size = ranges * SAMPLES_PER_RANGE;
        List<BsonValue> sample = new ArrayList<>(size);
        try {
            for (BsonDocument d : collection.aggregate(List.of(new BsonDocument("$sample", new BsonDocument("size", new BsonInt32(size))),
                    new BsonDocument("$project", new BsonDocument("_id", new BsonInt32(1))),
                    new BsonDocument("$sort", new BsonDocument("_id", new BsonInt32(1)))))) {
                sample.add(d.get("_id"));
            }
        } catch (com.mongodb.MongoCommandException e) {
            // mongo-java-server's $sample sorts by a random comparator, which Java's sort can reject on large inputs
            LOG.warn("$sample failed on {} ({}): split points found by one sorted skip each instead", describe(),
                    MongoSourceUri.mask(e.getErrorMessage()));
            sampledSplits = false;
            return skippedQuantiles(ranges, min);
        }
        sampledSplits = true;
        return quantiles(sample, ranges, min);
    }

    /** Whether the last {@link #splitPoints} came from {@code $sample} (false: from the skip fallback). For tests and logs. */
    boolean sampledSplits() {
        return sampledSplits;
    }

    /** The fallback: the {@code _id} at each exact quantile, by a sorted skip on the {@code _id} index (cost grows with the skip). */
    private List<BsonValue> skippedQuantiles(int ranges, BsonValue min) {
        long count = collection.countDocuments();
        List<BsonValue> points = new ArrayList<>();
        for (int i = 1; i < ranges; i++) {
            long skip = count * i / ranges;
            BsonDocument d = collection.find().projection(new BsonDocument("_id", new BsonInt32(1)))
                    .sort(new BsonDocument("_id", new BsonInt32(1))).skip((int) Math.min(Integer.MAX_VALUE, skip)).limit(1).first();
            if (d != null && !d.get("_id").equals(min) && (points.isEmpty() || !points.get(points.size() - 1).equals(d.get("_id")))) {
                points.add(d.get("_id"));
            }
        }
        return points;
    }

    /** Samples taken per range: enough for ranges within a few percent of even, few enough to stay a small read. */
    static final int SAMPLES_PER_RANGE = 64;

    /** The {@code ranges - 1} quantiles of a sorted sample, without repeats and without the smallest {@code _id} (an empty first range). */
    static List<BsonValue> quantiles(List<BsonValue> sortedSample, int ranges, BsonValue min) {
        List<BsonValue> points = new ArrayList<>();
        for (int i = 1; i < ranges && !sortedSample.isEmpty(); i++) {
            BsonValue p = sortedSample.get((int) ((long) sortedSample.size() * i / ranges));
            if (!p.equals(min) && (points.isEmpty() || !points.get(points.size() - 1).equals(p))) {
                points.add(p);
            }
        }
        return points;
    }

    private BsonValue edge(int direction) {
        BsonDocument d = collection.find().projection(new BsonDocument("_id", new BsonInt32(1)))
                .sort(new BsonDocument("_id", new BsonInt32(direction))).limit(1).first();
        return d == null ? null : d.get("_id");
    }

    /** MongoDB compares numbers of every type with each other, and nothing across other types. */
    static int bracket(BsonType t) {
        return switch (t) {
            case INT32, INT64, DOUBLE, DECIMAL128 -> 1;
            case STRING, SYMBOL -> 2;
            default -> 100 + t.ordinal();
        };
    }

    /** The units between the split points: [start, p1), [p1, p2), ..., [pn, end), read from the primary with the server's default read concern. */
    public List<IdRangeUnit> units(List<BsonValue> splitPoints, CutFilter cut, int pageSize, Consumer<IdRangeUnit.Unmapped> onUnmapped) {
        return units(splitPoints, cut, pageSize, onUnmapped, ReadConcern.DEFAULT);
    }

    /**
     * The units, read with {@code readConcern}: change-stream mode passes {@link ReadConcern#MAJORITY}, the
     * same committed view the stream reports from, so the backfill never reads a write the stream may
     * never deliver (one rolled back after a failover).
     */
    public List<IdRangeUnit> units(List<BsonValue> splitPoints, CutFilter cut, int pageSize, Consumer<IdRangeUnit.Unmapped> onUnmapped,
                                   ReadConcern readConcern) {
        MongoCollection<BsonDocument> collection = this.collection.withReadConcern(readConcern);
        List<IdRangeUnit> units = new ArrayList<>();
        int n = splitPoints.size() + 1;
        for (int i = 0; i < n; i++) {
            BsonValue lower = i == 0 ? null : splitPoints.get(i - 1);
            BsonValue upper = i == n - 1 ? null : splitPoints.get(i);
            units.add(new IdRangeUnit(String.format("range-%04d-of-%04d", i, n), collection, lower, upper, cut == null ? null : cut.filter(),
                    pageSize, mapper, onUnmapped));
        }
        return units;
    }

    /** The document with this item key, or null. The key attribute is turned back into the BSON values it can have come from. */
    public BsonDocument lookup(Map<String, AttributeValue> key) {
        return read("a lookup", () -> findByKey(key));
    }

    private BsonDocument findByKey(Map<String, AttributeValue> key) {
        DocumentMapping m = mapper.mapping();
        BsonDocument filter = new BsonDocument(m.keyField(), new BsonDocument("$in", new BsonArray(KeyValues.candidates(key.get(m.keyAttribute())))));
        if (m.sortKeyField().isPresent()) {
            filter.put(m.sortKeyField().get(), new BsonDocument("$in", new BsonArray(KeyValues.candidates(key.get(m.sortAttribute().orElseThrow())))));
        }
        for (BsonDocument d : collection.find(filter)) {
            try {
                if (mapper.key(d).equals(key)) {
                    return d;
                }
            } catch (UnmappableDocumentException e) {
                // a document whose key does not map cannot be the one asked for
            }
        }
        return null;
    }

    /** The documents with these item keys (those that exist), in one query on the key field. */
    public List<BsonDocument> lookupAll(List<Map<String, AttributeValue>> keys) {
        DocumentMapping m = mapper.mapping();
        BsonArray values = new BsonArray();
        for (Map<String, AttributeValue> k : keys) {
            values.addAll(KeyValues.candidates(k.get(m.keyAttribute())));
        }
        if (values.isEmpty()) {
            return List.of();
        }
        return read("a lookup of " + keys.size() + " keys", () -> collection.find(new BsonDocument(m.keyField(), new BsonDocument("$in", values)))
                .into(new ArrayList<>()));
    }

    /** The document with the smallest {@code _id}, or null when the collection is empty. */
    public BsonDocument first() {
        return read("reading the first document", () -> collection.find().sort(new BsonDocument("_id", new BsonInt32(1))).limit(1).first());
    }

    /** The document with this {@code _id}, or null. */
    public BsonDocument byId(BsonValue id) {
        return read("a lookup by _id", () -> collection.find(new BsonDocument("_id", id)).first());
    }

    @Override
    public void close() {
        client.close();
    }
}
