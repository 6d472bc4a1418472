package io.cutover.core.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.ItemPage;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.result.KeyDifference;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.throttle.AdaptiveConcurrency;
import io.cutover.core.throttle.Throttle;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares two sides item by item with memory that does not grow with the tables (the idea behind
 * Merkle trees and Vitess's VDiff; docs/decisions/0008-verify-by-bucket-digests.md):
 *
 * <ol>
 *   <li>Both sides are read in parallel units; each item's key picks one of a fixed number of
 *       buckets, and the bucket keeps a count and the sum of the items' 128-bit digests.</li>
 *   <li>Buckets whose counts and sums agree hold the same items. Only the other buckets are read
 *       again, key by key, in rounds that each hold at most the memory budget.</li>
 *   <li>With recheck, every mismatch is read again on both sides, strongly consistent, after a
 *       settle delay: one that agrees now was a write in flight ("settled"); the rest persist.</li>
 * </ol>
 *
 * {@link #run} blocks; it is safe to run several verifiers at once.
 */
public final class Verifier {
    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final VerifySide source;
    private final VerifySide target;
    private final ItemHasher hasher;
    private final VerifyOptions options;
    private final CopyProgress progress;

    public Verifier(VerifySide source, VerifySide target, List<String> keyAttributes, VerifyOptions options, CopyProgress progress) {
        this.source = source;
        this.target = target;
        this.hasher = new ItemHasher(keyAttributes, options.buckets());
        this.options = options;
        this.progress = progress;
    }

    /** A mismatch with everything needed to recheck and report it. */
    record Mismatch(String kind, Map<String, AttributeValue> key) {
    }

    public Outcome run() {
        long start = System.nanoTime();
        Outcome outcome = options.sample() > 0 ? sample() : full();
        double seconds = (System.nanoTime() - start) / 1e9;
        return outcome.timed(seconds);
    }

    /** The result plus every mismatch found (for the report file). */
    public record Outcome(VerifyResult result, List<KeyDifference> all) {
        Outcome timed(double seconds) {
            VerifyResult r = result;
            double rate = seconds > 0 ? (r.sourceItems() + r.targetItems()) / seconds : 0;
            return new Outcome(new VerifyResult(r.status(), r.mode(), r.source(), r.target(), r.sourceItems(), r.targetItems(),
                    r.missing(), r.extra(), r.different(), r.missingKeys(), r.extraKeys(), r.differentItems(), r.truncated(),
                    r.recheck(), r.buckets(), r.bucketsMismatched(), seconds, rate, r.reportFile()), all);
        }
    }

    private Outcome full() {
        progress.tableStarted(source.describe(), target.describe(), Math.max(0, source.estimatedItems())
                + Math.max(0, target.estimatedItems()), 0);
        BucketDigests s = new BucketDigests(hasher.buckets());
        BucketDigests t = new BucketDigests(hasher.buckets());
        readBoth(item -> s.add(hasher.hash(item)), item -> t.add(hasher.hash(item)));
        List<Integer> mismatched = new ArrayList<>();
        for (int b = 0; b < hasher.buckets(); b++) {
            if (!s.sameAs(t, b)) {
                mismatched.add(b);
            }
        }
        LOG.debug("{} of {} buckets differ", mismatched.size(), hasher.buckets());
        List<Mismatch> found = new ArrayList<>();
        long[] counts = new long[3];
        for (BitSet round : rounds(mismatched, s, t)) {
            compareRound(round, found, counts);
        }
        return finish("full", s.total(), t.total(), found, counts, mismatched.size());
    }

    /** Groups mismatched buckets so that no round holds more than the memory budget. */
    private List<BitSet> rounds(List<Integer> mismatched, BucketDigests s, BucketDigests t) {
        List<BitSet> rounds = new ArrayList<>();
        BitSet current = new BitSet(hasher.buckets());
        long held = 0;
        for (int b : mismatched) {
            long items = s.count(b) + t.count(b);
            if (!current.isEmpty() && held + items > options.memoryBudgetItems()) {
                rounds.add(current);
                current = new BitSet(hasher.buckets());
                held = 0;
            }
            current.set(b);
            held += items;
        }
        if (!current.isEmpty()) {
            rounds.add(current);
        }
        return rounds;
    }

    private record Seen(ItemHasher.Hashed hash, Map<String, AttributeValue> key) {
    }

    private void compareRound(BitSet buckets, List<Mismatch> found, long[] counts) {
        Map<String, Seen> s = new ConcurrentHashMap<>();
        Map<String, Seen> t = new ConcurrentHashMap<>();
        readBoth(item -> keep(item, buckets, s), item -> keep(item, buckets, t));
        for (Map.Entry<String, Seen> e : s.entrySet()) {
            Seen other = t.get(e.getKey());
            if (other == null) {
                record(found, counts, 0, new Mismatch("missing", e.getValue().key()));
            } else if (!other.hash().sameContent(e.getValue().hash())) {
                record(found, counts, 2, new Mismatch("different", e.getValue().key()));
            }
        }
        for (Map.Entry<String, Seen> e : t.entrySet()) {
            if (!s.containsKey(e.getKey())) {
                record(found, counts, 1, new Mismatch("extra", e.getValue().key()));
            }
        }
    }

    private void keep(CanonicalForm item, BitSet buckets, Map<String, Seen> into) {
        ItemHasher.Hashed h = hasher.hash(item);
        if (buckets.get(h.bucket())) {
            into.put(h.keyText(), new Seen(h, item.key()));
        }
    }

    private static void record(List<Mismatch> found, long[] counts, int kind, Mismatch m) {
        counts[kind]++;
        if (found.size() < VerifyOptions.MAX_TRACKED_DIFFERENCES) {
            found.add(m);
        }
    }

    /** Checks random keys from each side against the other. */
    private Outcome sample() {
        int n = options.sample();
        progress.tableStarted(source.describe(), target.describe(), 2L * n, 0);
        List<Mismatch> found = new ArrayList<>();
        long[] counts = new long[3];
        List<Map<String, AttributeValue>> fromSource = randomItems(source, n);
        List<Map<String, AttributeValue>> fromTarget = randomItems(target, n);
        for (Map<String, AttributeValue> item : fromSource) {
            Map<String, AttributeValue> other = target.lookup(hasher.key(item));
            if (other == null) {
                record(found, counts, 0, new Mismatch("missing", hasher.key(item)));
            } else if (!CanonicalItem.of(item).equals(CanonicalItem.of(other))) {
                record(found, counts, 2, new Mismatch("different", hasher.key(item)));
            }
            progress.written(1);
        }
        for (Map<String, AttributeValue> item : fromTarget) {
            if (source.lookup(hasher.key(item)) == null) {
                record(found, counts, 1, new Mismatch("extra", hasher.key(item)));
            }
            progress.written(1);
        }
        return finish("sample", fromSource.size(), fromTarget.size(), found, counts, 0);
    }

    /** Up to {@code n} items from the first pages of randomly chosen units. */
    private List<Map<String, AttributeValue>> randomItems(VerifySide side, int n) {
        List<? extends SnapshotUnit> units = new ArrayList<>(side.units(Math.max(options.segments(), 64)));
        Collections.shuffle(units, ThreadLocalRandom.current());
        List<Map<String, AttributeValue>> out = new ArrayList<>(n);
        int perUnit = Math.max(1, n / units.size() + 1);
        for (SnapshotUnit unit : units) {
            Page page = unit.readPage(null);
            List<Map<String, AttributeValue>> items = new ArrayList<>(page.items());
            Collections.shuffle(items, ThreadLocalRandom.current());
            for (Map<String, AttributeValue> item : items.subList(0, Math.min(perUnit, items.size()))) {
                if (out.size() < n) {
                    out.add(item);
                }
            }
            if (out.size() >= n) {
                break;
            }
        }
        return out;
    }

    private Outcome finish(String mode, long sourceItems, long targetItems, List<Mismatch> found, long[] counts, int bucketsMismatched) {
        VerifyResult.Recheck recheck = null;
        List<KeyDifference> all = new ArrayList<>();
        if (options.recheck() && !found.isEmpty()) {
            // A key being written can mismatch once by bad luck; one that mismatches in every round persists.
            List<Mismatch> still = found;
            for (int round = 0; round < RECHECK_ROUNDS && !still.isEmpty(); round++) {
                sleep(options.settle().toMillis());
                List<Mismatch> next = new ArrayList<>();
                for (Mismatch m : still) {
                    if (recheck(m) != null) {
                        next.add(m);
                    }
                }
                still = next;
            }
            counts = new long[3];
            for (Mismatch m : still) {
                Map<String, AttributeValue> a = source.lookup(m.key());
                Map<String, AttributeValue> b = target.lookup(m.key());
                String kind = kindOf(a, b);
                if (kind == null) {
                    continue;
                }
                counts[kind.equals("missing") ? 0 : kind.equals("extra") ? 1 : 2]++;
                all.add(new KeyDifference(kind, keyJson(m.key()),
                        kind.equals("different") ? ItemDiff.paths(a, b) : List.of(), "persistent"));
            }
            recheck = new VerifyResult.Recheck(found.size() - all.size(), all.size(), options.settle().toMillis() / 1000.0);
        } else if (options.recheck()) {
            recheck = new VerifyResult.Recheck(0, 0, options.settle().toMillis() / 1000.0);
        } else {
            int explained = 0;
            for (Mismatch m : found) {
                List<String> attributes = List.of();
                if (m.kind().equals("different") && explained++ < options.listLimit()) {
                    Map<String, AttributeValue> a = source.lookup(m.key());
                    Map<String, AttributeValue> b = target.lookup(m.key());
                    attributes = a != null && b != null ? ItemDiff.paths(a, b) : List.of();
                }
                all.add(new KeyDifference(m.kind(), keyJson(m.key()), attributes, null));
            }
        }
        List<JsonNode> missing = keys(all, "missing");
        List<JsonNode> extra = keys(all, "extra");
        List<KeyDifference> different = all.stream().filter(d -> d.kind().equals("different")).limit(options.listLimit()).toList();
        boolean truncated = counts[0] > missing.size() || counts[1] > extra.size() || counts[2] > different.size();
        boolean identical = counts[0] == 0 && counts[1] == 0 && counts[2] == 0;
        VerifyResult result = new VerifyResult(identical ? "identical" : "different", mode, source.describe(), target.describe(),
                sourceItems, targetItems, counts[0], counts[1], counts[2], missing, extra, different, truncated, recheck,
                hasher.buckets(), bucketsMismatched, 0, 0, null);
        return new Outcome(result, all);
    }

    private static final int RECHECK_ROUNDS = 3;

    /** The mismatch's kind now, or null when both sides agree. */
    private String recheck(Mismatch m) {
        return kindOf(source.lookup(m.key()), target.lookup(m.key()));
    }

    private static String kindOf(Map<String, AttributeValue> a, Map<String, AttributeValue> b) {
        if (a == null && b == null) {
            return null;
        }
        if (a == null) {
            return "extra";
        }
        if (b == null) {
            return "missing";
        }
        return CanonicalItem.of(a).equals(CanonicalItem.of(b)) ? null : "different";
    }

    private List<JsonNode> keys(List<KeyDifference> all, String kind) {
        return all.stream().filter(d -> d.kind().equals(kind)).limit(options.listLimit()).map(KeyDifference::key).toList();
    }

    static JsonNode keyJson(Map<String, AttributeValue> key) {
        try {
            return JSON.readTree(DynamoDbJson.write(key));
        } catch (Exception e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot render a key: " + e.getMessage(), e);
        }
    }

    /** How one side is read: its units, how many are read at once, and the threads that read them. */
    private record SideReads(List<? extends ItemUnit<CanonicalForm>> units, AdaptiveConcurrency limiter, int threads) {
    }

    private SideReads sideReads(VerifySide side) {
        if (options.parallelism() > 0) {
            return new SideReads(side.canonicalUnits(options.segments(), hasher), AdaptiveConcurrency.fixed(options.parallelism()),
                    options.parallelism());
        }
        if (!side.adaptiveReads()) {
            int n = VerifyOptions.AUTO_FIXED_PARALLELISM;
            return new SideReads(side.canonicalUnits(options.segments(), hasher), AdaptiveConcurrency.fixed(n), n);
        }
        // Enough units for the top of the climb; each worker reads one unit at a time, a page at a time under the limit.
        int max = VerifyOptions.AUTO_MAX_PARALLELISM;
        return new SideReads(side.canonicalUnits(Math.max(options.segments(), max), hasher),
                AdaptiveConcurrency.adaptive(VerifyOptions.AUTO_START_PARALLELISM, max), max);
    }

    /**
     * Reads every unit of both sides at once: {@code --parallelism} units per side, or, left to Cutover, as many as the side
     * keeps absorbing (pages per second climbing with pages in flight, the write path's climb: decision 0102).
     */
    private void readBoth(Consumer<CanonicalForm> fromSource, Consumer<CanonicalForm> fromTarget) {
        SideReads s = sideReads(source);
        SideReads t = sideReads(target);
        ExecutorService pool = Executors.newFixedThreadPool(s.threads() + t.threads(), r -> {
            Thread th = new Thread(r, "cutover-verify");
            th.setDaemon(true);
            return th;
        });
        List<Future<?>> futures = new ArrayList<>();
        submit(pool, futures, s, new Throttle(options.maxReadRate()), fromSource);
        submit(pool, futures, t, new Throttle(options.maxReadRate()), fromTarget);
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "verify was interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.INTERNAL, "verify failed: " + c, c);
        } finally {
            pool.shutdownNow();
        }
        LOG.debug("verify read source with up to {} units at once, target with up to {}", s.limiter().peak(), t.limiter().peak());
    }

    private void submit(ExecutorService pool, List<Future<?>> futures, SideReads side, Throttle throttle,
                        Consumer<CanonicalForm> sink) {
        java.util.Queue<ItemUnit<CanonicalForm>> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(side.units());
        for (int w = 0; w < side.threads(); w++) {
            futures.add(pool.submit(() -> {
                ItemUnit<CanonicalForm> unit;
                while ((unit = queue.poll()) != null) {
                    readUnit(unit, throttle, side.limiter(), sink);
                }
                return null;
            }));
        }
    }

    private Void readUnit(ItemUnit<CanonicalForm> unit, Throttle throttle, AdaptiveConcurrency limiter, Consumer<CanonicalForm> sink)
            throws InterruptedException {
        Position position = null;
        do {
            limiter.acquire();
            long started = System.nanoTime();
            ItemPage<CanonicalForm> page;
            try {
                page = unit.readItems(position);
            } finally {
                limiter.release(System.nanoTime() - started, false);
            }
            throttle.acquire(Math.max(1, page.items().size()));
            for (CanonicalForm item : page.items()) {
                sink.accept(item);
            }
            progress.written(page.items().size());
            position = page.next();
        } while (position != null);
        return null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "verify was interrupted", e);
        }
    }
}
