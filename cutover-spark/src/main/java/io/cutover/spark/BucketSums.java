package io.cutover.spark;

import io.cutover.core.verify.ItemHasher;
import java.io.Serializable;

/**
 * Per bucket, the count of items and the sum of their 128-bit digests (as two 64-bit halves, mod 2^128): the
 * first pass of the bucket verification (docs/decisions/0008-verify-by-bucket-digests.md), as a value Spark can
 * add up across tasks. Sums do not depend on order, so tasks can be merged in any grouping. Not thread-safe: one
 * task fills one, and {@link #plus} makes a new one.
 */
public final class BucketSums implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long[] counts;
    private final long[] high;
    private final long[] low;

    public BucketSums(int buckets) {
        counts = new long[buckets];
        high = new long[buckets];
        low = new long[buckets];
    }

    void add(ItemHasher.Hashed h) {
        counts[h.bucket()]++;
        high[h.bucket()] += h.high();
        low[h.bucket()] += h.low();
    }

    /** A new sum of both: neither operand changes (Spark may reuse either). */
    BucketSums plus(BucketSums other) {
        BucketSums sum = new BucketSums(counts.length);
        for (int b = 0; b < counts.length; b++) {
            sum.counts[b] = counts[b] + other.counts[b];
            sum.high[b] = high[b] + other.high[b];
            sum.low[b] = low[b] + other.low[b];
        }
        return sum;
    }

    long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    long count(int bucket) {
        return counts[bucket];
    }

    boolean sameAs(BucketSums other, int bucket) {
        return counts[bucket] == other.counts[bucket] && high[bucket] == other.high[bucket] && low[bucket] == other.low[bucket];
    }
}
