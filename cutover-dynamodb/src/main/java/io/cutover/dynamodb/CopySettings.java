package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code cutover copy} needs, validated once: every problem is reported together, each
 * naming its flag and the fix; nothing is clamped silently. Immutable.
 *
 * @param tableMap        explicit source to target names (from --source-table/--target-table and --table-map)
 * @param renamePrefixes  FROM to TO prefixes: every source table starting with FROM is copied to TO + the rest
 * @param segments        scan segments per table; empty chooses from the table's size
 * @param parallelism     segments scanned at once per table; 0 (auto): found while copying, between 1 and
 *                        {@link #AUTO_MAX_READERS} (decision 0102, addendum on copy readers)
 * @param writeConcurrency BatchWriteItem requests in flight per table; 0 finds it ({@link #writeLimiter}, decision 0102)
 * @param maxWriteRate    items/s at most, 0 for no limit
 * @param writeCapacityPercent percent of a provisioned target's WCU to use, empty for no such limit
 * @param maxReadRate     items/s read at most from the source, 0 for no limit
 * @param scanPageSize    the Scan Limit
 * @param passThrough     copy items as the bytes the source sent, without building attribute values (decision 0220);
 *                        false ({@code --no-pass-through}) takes the object path
 */
public record CopySettings(DynamoDbEndpoint source, DynamoDbEndpoint target, Map<String, String> tableMap,
                           Map<String, String> renamePrefixes, Path stateDir, boolean schemaOnly, boolean dataOnly,
                           boolean restart, Optional<Integer> segments, int parallelism, int writeConcurrency,
                           double maxWriteRate, Optional<Integer> writeCapacityPercent, double maxReadRate, int scanPageSize,
                           boolean passThrough) {
    public static final int MAX_SEGMENTS = 1_000_000;
    /** {@code --write-concurrency auto}: the limit is found between 1 and this. */
    public static final int AUTO_MAX_WRITES = 64;
    /** What a path that cannot adapt uses under {@code auto}. */
    public static final int DEFAULT_WRITES = 16;

    /** The most BatchWriteItem requests a table's writer can have in flight: size thread and connection pools to it. */
    public int maxWritesInFlight() {
        return writeConcurrency == 0 ? AUTO_MAX_WRITES : writeConcurrency;
    }

    /** A table writer's limiter: the user's fixed number, or (auto) one that finds what the target absorbs. */
    public io.cutover.core.throttle.AdaptiveConcurrency writeLimiter() {
        return io.cutover.core.throttle.AdaptiveConcurrency.forSetting(writeConcurrency);
    }

    /** The concurrency of a writer that does not adapt (the live apply): the user's number, or the default under auto. */
    public int fixedWriteConcurrency() {
        return writeConcurrency == 0 ? DEFAULT_WRITES : writeConcurrency;
    }

    public CopySettings {
        tableMap = Map.copyOf(tableMap);
        renamePrefixes = Map.copyOf(renamePrefixes);
        List<String> problems = new ArrayList<>();
        if (tableMap.isEmpty() && renamePrefixes.isEmpty()) {
            problems.add("no tables to copy: pass --source-table NAME (and --target-table NAME), --table-map SRC=DST, or --rename-prefix FROM=TO");
        }
        tableMap.forEach((s, t) -> {
            checkName(problems, "--source-table/--table-map", s);
            checkName(problems, "--target-table/--table-map", t);
        });
        if (schemaOnly && dataOnly) {
            problems.add("--schema-only and --data-only contradict each other: pass at most one");
        }
        segments.ifPresent(s -> {
            if (s < 1 || s > MAX_SEGMENTS) {
                problems.add("--segments must be between 1 and " + MAX_SEGMENTS + ", was " + s);
            }
        });
        if (parallelism < 0 || parallelism > 1024) {
            problems.add("--parallelism must be auto (0) or between 1 and 1024, was " + parallelism);
        }
        if (writeConcurrency < 0 || writeConcurrency > 1024) {
            problems.add("--write-concurrency must be auto (0) or between 1 and 1024, was " + writeConcurrency);
        }
        if (maxWriteRate < 0) {
            problems.add("--max-write-rate must be 0 (no limit) or more items/s, was " + maxWriteRate);
        }
        if (maxReadRate < 0) {
            problems.add("--max-read-rate must be 0 (no limit) or more items/s, was " + maxReadRate);
        }
        writeCapacityPercent.ifPresent(p -> {
            if (p < 1 || p > 100) {
                problems.add("--write-capacity-percent must be between 1 and 100, was " + p);
            }
        });
        if (scanPageSize < 1 || scanPageSize > 10_000) {
            problems.add("--scan-page-size must be between 1 and 10000, was " + scanPageSize);
        }
        if (stateDir == null) {
            problems.add("--state-dir is required");
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    private static void checkName(List<String> problems, String flag, String name) {
        DynamoDbTableName.problem(flag, name).ifPresent(problems::add);
    }

    /** The pairs to copy: the explicit map, plus every listed source table that a rename prefix matches. */
    public List<TablePair> resolvePairs(List<String> sourceTables) {
        List<TablePair> pairs = new ArrayList<>();
        tableMap.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> pairs.add(new TablePair(e.getKey(), e.getValue())));
        for (String table : sourceTables.stream().sorted().toList()) {
            if (tableMap.containsKey(table)) {
                continue;
            }
            renamePrefixes.entrySet().stream()
                    .filter(e -> table.startsWith(e.getKey()))
                    .max(Map.Entry.comparingByKey((a, b) -> Integer.compare(a.length(), b.length())))
                    .ifPresent(e -> pairs.add(new TablePair(table, e.getValue() + table.substring(e.getKey().length()))));
        }
        if (pairs.isEmpty()) {
            throw new CutoverException(ErrorCode.TABLE_NOT_FOUND, "no source table starts with " + String.join(" or ",
                    renamePrefixes.keySet()) + " at " + source.describe() + ": check --rename-prefix");
        }
        List<String> problems = new ArrayList<>();
        java.util.Set<String> targets = new java.util.HashSet<>();
        for (TablePair p : pairs) {
            if (samePlace() && p.source().equals(p.target())) {
                problems.add("table '" + p.source() + "' would be copied onto itself: give the copy another name (--target-table,"
                        + " --table-map, --rename-prefix) or another place (--target-endpoint-url, --target-region, --target-profile)");
            }
            if (!targets.add(p.target())) {
                problems.add("two source tables would be copied into target '" + p.target() + "': check --table-map and --rename-prefix");
            }
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
        return pairs;
    }

    /** True when source and target are the same endpoint, region and profile, so a name means the same table. */
    boolean samePlace() {
        return source.endpointUrl().equals(target.endpointUrl()) && source.region().equals(target.region())
                && source.profile().equals(target.profile());
    }

    /** Where {@code --parallelism auto} starts, and the most segments it reads at once. */
    public static final int AUTO_START_READERS = 8;
    public static final int AUTO_MAX_READERS = 32;

    /** Chooses the scan segment count from the table's size: one per 256 MiB, at least the most segments read at once. */
    public int segmentsFor(long tableSizeBytes) {
        if (segments.isPresent()) {
            return segments.get();
        }
        long bySize = (tableSizeBytes + (256L << 20) - 1) / (256L << 20);
        return (int) Math.min(4096, Math.max(maxReaders(), bySize));
    }

    /** The most segments read at once per table: size client connection pools to this. */
    public int maxReaders() {
        return parallelism == 0 ? AUTO_MAX_READERS : parallelism;
    }

    /** A new limit on segments read at once, for one table: {@code --parallelism} as is, or found as the copy goes. */
    public io.cutover.core.throttle.AdaptiveConcurrency readers() {
        return parallelism == 0 ? io.cutover.core.throttle.AdaptiveConcurrency.adaptive(AUTO_START_READERS, AUTO_MAX_READERS)
                : io.cutover.core.throttle.AdaptiveConcurrency.fixed(parallelism);
    }

    public static Builder builder(DynamoDbEndpoint source, DynamoDbEndpoint target) {
        return new Builder(source, target);
    }

    /** Defaults as the CLI has them; {@link #build()} validates everything at once. */
    public static final class Builder {
        private final DynamoDbEndpoint source;
        private final DynamoDbEndpoint target;
        private final Map<String, String> tableMap = new java.util.LinkedHashMap<>();
        private final Map<String, String> renamePrefixes = new java.util.LinkedHashMap<>();
        private Path stateDir;
        private boolean schemaOnly;
        private boolean dataOnly;
        private boolean restart;
        private Optional<Integer> segments = Optional.empty();
        private int parallelism = 8;
        private int writeConcurrency = 16;
        private double maxWriteRate;
        private Optional<Integer> writeCapacityPercent = Optional.empty();
        private double maxReadRate;
        private int scanPageSize = 1000;
        private boolean passThrough = true;

        private Builder(DynamoDbEndpoint source, DynamoDbEndpoint target) {
            this.source = source;
            this.target = target;
        }

        public Builder table(String sourceTable, String targetTable) {
            tableMap.put(sourceTable, targetTable);
            return this;
        }

        public Builder renamePrefix(String from, String to) {
            renamePrefixes.put(from, to);
            return this;
        }

        public Builder stateDir(Path dir) {
            this.stateDir = dir;
            return this;
        }

        public Builder schemaOnly(boolean v) {
            this.schemaOnly = v;
            return this;
        }

        public Builder dataOnly(boolean v) {
            this.dataOnly = v;
            return this;
        }

        public Builder restart(boolean v) {
            this.restart = v;
            return this;
        }

        public Builder segments(Integer n) {
            this.segments = Optional.ofNullable(n);
            return this;
        }

        public Builder parallelism(int n) {
            this.parallelism = n;
            return this;
        }

        public Builder writeConcurrency(int n) {
            this.writeConcurrency = n;
            return this;
        }

        public Builder maxWriteRate(double itemsPerSecond) {
            this.maxWriteRate = itemsPerSecond;
            return this;
        }

        public Builder writeCapacityPercent(Integer percent) {
            this.writeCapacityPercent = Optional.ofNullable(percent);
            return this;
        }

        public Builder maxReadRate(double itemsPerSecond) {
            this.maxReadRate = itemsPerSecond;
            return this;
        }

        public Builder scanPageSize(int n) {
            this.scanPageSize = n;
            return this;
        }

        /** False takes the object path ({@code --no-pass-through}). */
        public Builder passThrough(boolean v) {
            this.passThrough = v;
            return this;
        }

        public CopySettings build() {
            return new CopySettings(source, target, tableMap, renamePrefixes, stateDir, schemaOnly, dataOnly, restart, segments,
                    parallelism, writeConcurrency, maxWriteRate, writeCapacityPercent, maxReadRate, scanPageSize, passThrough);
        }
    }
}
