package io.cutover.spark;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.export.ExportLocation;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a Spark job of Cutover needs, validated once on the driver (every problem reported together, the
 * flag named) and shipped to the executors unchanged. Immutable.
 *
 * @param job               {@code copy} (scan the source table), {@code load} (an export's files) or {@code verify}
 * @param sourceTable       the table scanned by {@code copy} and {@code verify}; null for {@code load}
 * @param exportLocation    {@code load}: a folder every executor can read, or {@code s3://bucket/prefix}; else null
 * @param export            where an {@code s3://} export is read from (role "export")
 * @param stateDir          checkpoints, the job manifest and dead letters; must be one folder that the driver and every
 *                          executor see (local mode, or a shared mount such as EFS/NFS on a cluster)
 * @param segments          scan segments (one task each); 0: four per task slot, and at least one per 256 MiB
 * @param tasksAtOnce       task slots the write and read rates are shared out across; 0: Spark's default parallelism
 * @param maxWriteRate      items/s for the whole job, shared out across the tasks running at once; 0: no limit
 * @param maxReadRate       items/s read for the whole job, shared out the same way; 0: no limit
 * @param writeConcurrency  BatchWriteItem requests in flight per task
 * @param pageSize          items per Scan page or export page
 * @param restart           discard the state directory's checkpoints first
 * @param buckets           verify: digest buckets (a power of two)
 * @param listLimit         verify: keys listed per kind in the result (the report holds up to 1,000,000)
 * @param report            verify: the report file (JSON lines), or null for {@code stateDir/verify-report.jsonl}
 */
public record SparkJobSettings(String job, SparkEndpoint source, SparkEndpoint target, SparkEndpoint export, String sourceTable,
                               String targetTable, String exportLocation, String stateDir, int segments, int tasksAtOnce,
                               double maxWriteRate, double maxReadRate, int writeConcurrency, int pageSize, boolean restart,
                               int buckets, int listLimit, String report) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final List<String> JOBS = List.of("copy", "load", "verify");

    public SparkJobSettings {
        List<String> problems = new ArrayList<>();
        if (!JOBS.contains(job)) {
            problems.add("the job must be one of " + JOBS + ", was '" + job + "'");
        }
        if (target == null) {
            problems.add("the target endpoint is missing");
        }
        if (targetTable == null || targetTable.isBlank()) {
            problems.add("--target-table is required");
        }
        if ("load".equals(job)) {
            if (exportLocation == null || exportLocation.isBlank()) {
                problems.add("load needs --from-export (a folder or s3://bucket/prefix)");
            } else {
                try {
                    ExportLocation.parse("--from-export", exportLocation);
                } catch (CutoverException e) {
                    problems.add(e.getMessage());
                }
            }
        } else if (sourceTable == null || sourceTable.isBlank()) {
            problems.add("--source-table is required for " + job);
        }
        if (!"load".equals(job) && source == null) {
            problems.add("the source endpoint is missing");
        }
        if (stateDir == null || stateDir.isBlank()) {
            problems.add("--state-dir is required (a folder the driver and every executor see)");
        } else if (stateDir.contains("://")) {
            problems.add("--state-dir '" + stateDir + "' must be a file system path (a shared mount on a cluster), not a URI");
        }
        if (segments < 0 || segments > 1_000_000) {
            problems.add("--segments must be between 1 and 1000000 (or 0 for automatic), was " + segments);
        }
        if (tasksAtOnce < 0) {
            problems.add("--tasks-at-once cannot be negative, was " + tasksAtOnce);
        }
        if (maxWriteRate < 0) {
            problems.add("--max-write-rate must be 0 (no limit) or more items/s, was " + maxWriteRate);
        }
        if (maxReadRate < 0) {
            problems.add("--max-read-rate must be 0 (no limit) or more items/s, was " + maxReadRate);
        }
        if (writeConcurrency < 1 || writeConcurrency > 256) {
            problems.add("--write-concurrency must be between 1 and 256 per task, was " + writeConcurrency);
        }
        if (pageSize < 1 || pageSize > 10_000) {
            problems.add("--page-size must be between 1 and 10000, was " + pageSize);
        }
        if (buckets < 1 || Integer.bitCount(buckets) != 1) {
            problems.add("--buckets must be a power of two, was " + buckets);
        }
        if (listLimit < 0) {
            problems.add("--list-limit cannot be negative, was " + listLimit);
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    /** Settings with the defaults of {@code cutover copy}: automatic segments and task slots, no rate limit. */
    public static SparkJobSettings of(String job, SparkEndpoint source, SparkEndpoint target, String sourceTable, String targetTable,
                                      String stateDir) {
        return new SparkJobSettings(job, source, target, null, sourceTable, targetTable, null, stateDir, 0, 0, 0, 0, 8, 1000, false,
                65_536, 100, null);
    }

    public static SparkJobSettings local(String job, URI endpoint, String sourceTable, String targetTable, Path stateDir) {
        return of(job, new SparkEndpoint("source", endpoint.toString(), "us-east-1", null),
                new SparkEndpoint("target", endpoint.toString(), "us-east-1", null), sourceTable, targetTable, stateDir.toString());
    }

    public SparkJobSettings withSegments(int n) {
        return new SparkJobSettings(job, source, target, export, sourceTable, targetTable, exportLocation, stateDir, n, tasksAtOnce,
                maxWriteRate, maxReadRate, writeConcurrency, pageSize, restart, buckets, listLimit, report);
    }

    public SparkJobSettings withRestart(boolean r) {
        return new SparkJobSettings(job, source, target, export, sourceTable, targetTable, exportLocation, stateDir, segments, tasksAtOnce,
                maxWriteRate, maxReadRate, writeConcurrency, pageSize, r, buckets, listLimit, report);
    }

    public Path stateDirPath() {
        return Path.of(stateDir);
    }

    /** Checkpoint scope: the same one {@code cutover copy} and {@code cutover copy --from-export} use. */
    public String scope() {
        return "load".equals(job) ? "export-" + targetTable : new io.cutover.dynamodb.TablePair(sourceTable, targetTable).scope();
    }

    /** What the state directory's job manifest names as the source. */
    public String sourceName() {
        return "load".equals(job) ? exportLocation : sourceTable;
    }
}
