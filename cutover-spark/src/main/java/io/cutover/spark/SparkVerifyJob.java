package io.cutover.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.core.verify.ItemDiff;
import io.cutover.core.verify.ItemHasher;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbTableDefinitions;
import io.cutover.dynamodb.DynamoDbVerification;
import io.cutover.dynamodb.DynamoDbVerifySide;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover verify} as a Spark job, with the single-process verifier's method and result
 * (docs/decisions/0008-verify-by-bucket-digests.md): one task per scan segment of each side hashes its items with
 * the core {@link ItemHasher} into bucket sums, which Spark adds up per side; then only the buckets that differ
 * are read again, each item keyed by its key text, and Spark groups both sides' items by key to name what is
 * missing, extra or different. The driver looks up the first {@code listLimit} different items on both sides to
 * name the attributes that differ, writes the same report file, and returns the same {@link VerifyResult}.
 *
 * <p>{@link #run} blocks the driver's thread. A verify keeps no checkpoints: a failed task is read again whole.
 */
public final class SparkVerifyJob {
    private static final Logger LOG = LoggerFactory.getLogger(SparkVerifyJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String REPORT = "verify-report.jsonl";

    private final JavaSparkContext spark;
    private final SparkJobSettings settings;
    private final RetryPolicy retry = RetryPolicy.defaults();

    public SparkVerifyJob(JavaSparkContext spark, SparkJobSettings settings) {
        if (!settings.job().equals("verify")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "SparkVerifyJob runs verify, not " + settings.job());
        }
        this.spark = spark;
        this.settings = settings;
    }

    public VerifyResult run() {
        try {
            return verify();
        } catch (CutoverException e) {
            throw e;
        } catch (Exception e) {
            throw CutoverSparkMain.unwrap(e);
        }
    }

    private VerifyResult verify() {
        long start = System.nanoTime();
        DynamoDbEndpoint sourceEndpoint = settings.source().toEndpoint();
        DynamoDbEndpoint targetEndpoint = settings.target().toEndpoint();
        try (DynamoDbClient source = DynamoDbClients.create(sourceEndpoint, 8);
             DynamoDbClient target = DynamoDbClients.create(targetEndpoint, 8)) {
            TableDescription s = describe(source, sourceEndpoint, settings.sourceTable());
            TableDescription t = describe(target, targetEndpoint, settings.targetTable());
            DynamoDbTableDefinitions.incompatibility(s, t).ifPresent(problem -> {
                throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, problem);
            });
            // The key order the single-process verifier uses (HASH before RANGE), so key texts and buckets agree with it.
            List<String> keys = s.keySchema().stream().sorted((a, b) -> a.keyTypeAsString().compareTo(b.keyTypeAsString()))
                    .map(KeySchemaElement::attributeName).toList();
            int tasksAtOnce = settings.tasksAtOnce() > 0 ? settings.tasksAtOnce() : Math.max(1, spark.defaultParallelism());
            int segments = settings.segments() > 0 ? settings.segments() : Math.max(4, 2 * tasksAtOnce);
            List<UnitSpec> specs = new ArrayList<>(2 * segments);
            for (int i = 0; i < segments; i++) {
                specs.add(UnitSpec.segment("source", i, segments));
                specs.add(UnitSpec.segment("target", i, segments));
            }
            SideReader reader = new SideReader(settings, new ArrayList<>(keys), tasksAtOnce);

            Map<String, BucketSums> sums = spark.parallelize(specs, specs.size())
                    .mapToPair(spec -> new Tuple2<>(spec.side(), reader.digest(spec)))
                    .reduceByKey(BucketSums::plus, 2).collectAsMap();
            BucketSums sourceSums = sums.getOrDefault("source", new BucketSums(settings.buckets()));
            BucketSums targetSums = sums.getOrDefault("target", new BucketSums(settings.buckets()));
            BitSet mismatched = new BitSet(settings.buckets());
            for (int b = 0; b < settings.buckets(); b++) {
                if (!sourceSums.sameAs(targetSums, b)) {
                    mismatched.set(b);
                }
            }
            LOG.info("{} of {} buckets differ", mismatched.cardinality(), settings.buckets());

            long[] counts = new long[3];
            List<KeyDifference> all = new ArrayList<>();
            if (!mismatched.isEmpty()) {
                compare(reader, specs, mismatched, counts, all, new DynamoDbVerifySide(source, sourceEndpoint, settings.sourceTable(), -1,
                        retry, settings.pageSize()), new DynamoDbVerifySide(target, targetEndpoint, settings.targetTable(), -1, retry,
                        settings.pageSize()));
            }
            VerifyResult result = result(sourceSums.total(), targetSums.total(), counts, all, mismatched.cardinality(),
                    (System.nanoTime() - start) / 1e9, sourceEndpoint, targetEndpoint);
            Path report = settings.report() != null ? Path.of(settings.report()) : settings.stateDirPath().resolve(REPORT);
            result = result.withReportFile(report.toString());
            DynamoDbVerification.writeReport(report, result, all);
            return result;
        }
    }

    /** The second pass: both sides' items of the differing buckets, grouped by key across tasks. */
    private void compare(SideReader reader, List<UnitSpec> specs, BitSet mismatched, long[] counts, List<KeyDifference> all,
                         DynamoDbVerifySide sourceSide, DynamoDbVerifySide targetSide) {
        Broadcast<BitSet> buckets = spark.broadcast(mismatched);
        JavaPairRDD<String, Seen> seen = spark.parallelize(specs, specs.size())
                .flatMapToPair(spec -> reader.inBuckets(spec, buckets.value()).iterator());
        JavaRDD<Tuple2<String, String>> differences = seen.groupByKey()
                .flatMap(group -> classify(group._2()).iterator())
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, Long> byKind = differences.map(Tuple2::_1).countByValue();
            counts[0] = byKind.getOrDefault("missing", 0L);
            counts[1] = byKind.getOrDefault("extra", 0L);
            counts[2] = byKind.getOrDefault("different", 0L);
            int explained = 0;
            for (Tuple2<String, String> d : differences.take(VerifyOptions.MAX_TRACKED_DIFFERENCES)) {
                Map<String, AttributeValue> key = DynamoDbJson.read(d._2());
                List<String> attributes = List.of();
                if (d._1().equals("different") && explained++ < settings.listLimit()) {
                    Map<String, AttributeValue> a = sourceSide.lookup(key);
                    Map<String, AttributeValue> b = targetSide.lookup(key);
                    attributes = a != null && b != null ? ItemDiff.paths(a, b) : List.of();
                }
                all.add(new KeyDifference(d._1(), json(d._2()), attributes, null));
            }
        } finally {
            differences.unpersist(false);
            buckets.destroy();
        }
    }

    /** One item seen in the second pass: which side, its digest, and its key as DynamoDB JSON. */
    record Seen(boolean source, long high, long low, String key) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** (kind, key) for a key whose items differ across the sides, or nothing when they agree. */
    static List<Tuple2<String, String>> classify(Iterable<Seen> items) {
        Seen s = null;
        Seen t = null;
        for (Seen x : items) {
            if (x.source()) {
                s = x;
            } else {
                t = x;
            }
        }
        if (s != null && t == null) {
            return List.of(new Tuple2<>("missing", s.key()));
        }
        if (s == null && t != null) {
            return List.of(new Tuple2<>("extra", t.key()));
        }
        if (s != null && (s.high() != t.high() || s.low() != t.low())) {
            return List.of(new Tuple2<>("different", s.key()));
        }
        return List.of();
    }

    private VerifyResult result(long sourceItems, long targetItems, long[] counts, List<KeyDifference> all, int bucketsMismatched,
                                double seconds, DynamoDbEndpoint sourceEndpoint, DynamoDbEndpoint targetEndpoint) {
        List<JsonNode> missing = all.stream().filter(d -> d.kind().equals("missing")).limit(settings.listLimit())
                .map(KeyDifference::key).toList();
        List<JsonNode> extra = all.stream().filter(d -> d.kind().equals("extra")).limit(settings.listLimit())
                .map(KeyDifference::key).toList();
        List<KeyDifference> different = all.stream().filter(d -> d.kind().equals("different")).limit(settings.listLimit()).toList();
        boolean truncated = counts[0] > missing.size() || counts[1] > extra.size() || counts[2] > different.size();
        boolean identical = counts[0] == 0 && counts[1] == 0 && counts[2] == 0;
        return new VerifyResult(identical ? "identical" : "different", "full",
                "source table " + settings.sourceTable() + " at " + sourceEndpoint.describe(),
                "target table " + settings.targetTable() + " at " + targetEndpoint.describe(), sourceItems, targetItems,
                counts[0], counts[1], counts[2], missing, extra, different, truncated, null, settings.buckets(), bucketsMismatched,
                seconds, seconds > 0 ? (sourceItems + targetItems) / seconds : 0, null);
    }

    private static JsonNode json(String dynamoDbJson) {
        try {
            return JSON.readTree(dynamoDbJson);
        } catch (Exception e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot render a key: " + e.getMessage(), e);
        }
    }

    private TableDescription describe(DynamoDbClient client, DynamoDbEndpoint endpoint, String table) {
        return new DynamoDbTableDefinitions(client, endpoint, retry).describe(table).orElseThrow(() -> new CutoverException(
                ErrorCode.TABLE_NOT_FOUND, endpoint.role() + " table '" + table + "' not found at " + endpoint.describe()
                + ": check --" + endpoint.role() + "-table"));
    }

    /**
     * Reads one side's scan segment on an executor, through the same {@link io.cutover.dynamodb.DynamoDbScanSegment}
     * the single-process verifier reads, with the task's share of the job's read rate. Serializable (the settings
     * and the key names); clients are made per task.
     */
    static final class SideReader implements Serializable {
        private static final long serialVersionUID = 1L;
        private final SparkJobSettings settings;
        private final ArrayList<String> keys;
        private final int tasksAtOnce;

        SideReader(SparkJobSettings settings, ArrayList<String> keys, int tasksAtOnce) {
            this.settings = settings;
            this.keys = keys;
            this.tasksAtOnce = tasksAtOnce;
        }

        BucketSums digest(UnitSpec spec) throws InterruptedException {
            ItemHasher hasher = new ItemHasher(keys, settings.buckets());
            BucketSums sums = new BucketSums(settings.buckets());
            read(spec, item -> sums.add(hasher.hash(item)));
            return sums;
        }

        List<Tuple2<String, Seen>> inBuckets(UnitSpec spec, BitSet buckets) throws InterruptedException {
            ItemHasher hasher = new ItemHasher(keys, settings.buckets());
            boolean source = spec.side().equals("source");
            List<Tuple2<String, Seen>> out = new ArrayList<>();
            read(spec, item -> {
                ItemHasher.Hashed h = hasher.hash(item);
                if (buckets.get(h.bucket())) {
                    out.add(new Tuple2<>(h.keyText(), new Seen(source, h.high(), h.low(), DynamoDbJson.write(hasher.key(item)))));
                }
            });
            return out;
        }

        private void read(UnitSpec spec, Consumer<Map<String, AttributeValue>> sink) throws InterruptedException {
            boolean source = spec.side().equals("source");
            SparkEndpoint side = source ? settings.source() : settings.target();
            String table = source ? settings.sourceTable() : settings.targetTable();
            Throttle throttle = new Throttle(SparkCopyTask.share(settings.maxReadRate(), tasksAtOnce));
            try (DynamoDbClient client = DynamoDbClients.create(side.toEndpoint(), 4)) {
                SnapshotUnit unit = ExecutorUnits.scanSegment(client, side, table, spec, settings.pageSize(), RetryPolicy.defaults(),
                        RetryListener.NONE);
                Position position = null;
                do {
                    Page page = unit.readPage(position);
                    throttle.acquire(Math.max(1, page.items().size()));
                    for (Iterator<Map<String, AttributeValue>> it = page.items().iterator(); it.hasNext(); ) {
                        sink.accept(it.next());
                    }
                    position = page.next();
                } while (position != null);
            }
        }
    }
}
