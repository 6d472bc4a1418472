package io.cutover.core.verify;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per bucket: the number of items and the sum (mod 2^128, as two 64-bit halves) of their digests.
 * Sums do not depend on the order items arrive in, so parallel segments can add concurrently, and
 * two sides with the same items have the same sums. Memory is fixed by the bucket count, whatever the
 * table size. Thread-safe.
 */
final class BucketDigests {
    private final AtomicLongArray counts;
    private final AtomicLongArray high;
    private final AtomicLongArray low;

    BucketDigests(int buckets) {
        counts = new AtomicLongArray(buckets);
        high = new AtomicLongArray(buckets);
        low = new AtomicLongArray(buckets);
    }

    void add(ItemHasher.Hashed h) {
        counts.incrementAndGet(h.bucket());
        high.addAndGet(h.bucket(), h.high());
        low.addAndGet(h.bucket(), h.low());
    }

    int buckets() {
        return counts.length();
    }

    long count(int bucket) {
        return counts.get(bucket);
    }

    long total() {
        long n = 0;
        for (int b = 0; b < counts.length(); b++) {
            n += counts.get(b);
        }
        return n;
    }

    boolean sameAs(BucketDigests other, int bucket) {
        return counts.get(bucket) == other.counts.get(bucket) && high.get(bucket) == other.high.get(bucket)
                && low.get(bucket) == other.low.get(bucket);
    }
}
