package io.cutover.core.verify;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a verification runs. Validated at construction; every problem reported together.
 *
 * @param segments           units each side is read in
 * @param parallelism        units read at once per side; 0 (the default): found while reading, between 1 and
 *                           {@link #AUTO_MAX_PARALLELISM}, on sides that allow it ({@link VerifySide#adaptiveReads})
 * @param maxReadRate        items/s per side at most, 0 for no limit
 * @param sample             0 for a full compare; otherwise the number of random keys to check from each side
 * @param recheck            re-read every mismatch on both sides after {@code settle}, strongly consistent
 * @param listLimit          keys listed per kind in the result (all of them go to the report file)
 * @param buckets            key-hash buckets (a power of two); memory of the first pass is fixed by it
 * @param memoryBudgetItems  most items held at once in the key-by-key pass of mismatched buckets
 */
public record VerifyOptions(int segments, int parallelism, double maxReadRate, int sample, boolean recheck, Duration settle,
                            int listLimit, int buckets, int memoryBudgetItems) {
    public static final int MAX_TRACKED_DIFFERENCES = 1_000_000;
    /** With {@code --parallelism} left to Cutover: where the climb starts, and its top (decision 0102). */
    public static final int AUTO_START_PARALLELISM = 8;
    public static final int AUTO_MAX_PARALLELISM = 32;
    /** With {@code --parallelism} left to Cutover, on a side that cannot take more: the old fixed default. */
    public static final int AUTO_FIXED_PARALLELISM = 8;

    public VerifyOptions {
        List<String> problems = new ArrayList<>();
        if (segments < 1 || segments > 1_000_000) {
            problems.add("--segments must be between 1 and 1000000, was " + segments);
        }
        if (parallelism < 0 || parallelism > 1024) {
            problems.add("--parallelism must be 0 (auto) or between 1 and 1024, was " + parallelism);
        }
        if (maxReadRate < 0) {
            problems.add("--max-read-rate must be 0 (no limit) or more items/s, was " + maxReadRate);
        }
        if (sample < 0) {
            problems.add("--sample must be a positive number of keys, was " + sample);
        }
        if (settle.isNegative()) {
            problems.add("--settle-seconds cannot be negative");
        }
        if (listLimit < 0) {
            problems.add("--list-limit cannot be negative, was " + listLimit);
        }
        if (Integer.bitCount(buckets) != 1 || buckets < 1) {
            problems.add("buckets must be a power of two, was " + buckets);
        }
        if (memoryBudgetItems < 1) {
            problems.add("memory budget must be at least 1 item");
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    public static VerifyOptions defaults() {
        return new VerifyOptions(16, 0, 0, 0, false, Duration.ofSeconds(2), 100, 65_536, 2_000_000);
    }

    /** The most units read at once per side: size thread and connection pools to this. */
    public int maxParallelism() {
        return parallelism == 0 ? AUTO_MAX_PARALLELISM : parallelism;
    }

    public VerifyOptions withSegments(int n) {
        return new VerifyOptions(n, parallelism, maxReadRate, sample, recheck, settle, listLimit, buckets, memoryBudgetItems);
    }

    public VerifyOptions withParallelism(int n) {
        return new VerifyOptions(segments, n, maxReadRate, sample, recheck, settle, listLimit, buckets, memoryBudgetItems);
    }

    public VerifyOptions withMaxReadRate(double r) {
        return new VerifyOptions(segments, parallelism, r, sample, recheck, settle, listLimit, buckets, memoryBudgetItems);
    }

    public VerifyOptions withSample(int n) {
        return new VerifyOptions(segments, parallelism, maxReadRate, n, recheck, settle, listLimit, buckets, memoryBudgetItems);
    }

    public VerifyOptions withRecheck(boolean r, Duration settleDelay) {
        return new VerifyOptions(segments, parallelism, maxReadRate, sample, r, settleDelay, listLimit, buckets, memoryBudgetItems);
    }

    public VerifyOptions withListLimit(int n) {
        return new VerifyOptions(segments, parallelism, maxReadRate, sample, recheck, settle, n, buckets, memoryBudgetItems);
    }

    public VerifyOptions withBuckets(int n, int budget) {
        return new VerifyOptions(segments, parallelism, maxReadRate, sample, recheck, settle, listLimit, n, budget);
    }
}
