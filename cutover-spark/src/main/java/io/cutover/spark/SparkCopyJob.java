package io.cutover.spark;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.TableCopyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbTableDefinitions;
import io.cutover.dynamodb.ExportStores;
import io.cutover.dynamodb.JobManifest;
import io.cutover.dynamodb.SourceTable;
import io.cutover.dynamodb.StateDirectory;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * The driver of a Spark copy ({@code copy}: the source table's scan segments) or export load ({@code load}: the
 * export's data files): checks both sides and creates a missing target from the source's definition, fixes the
 * unit split in the state directory's job manifest (a re-submitted job must split the same way, since
 * checkpoints are per unit), runs one Spark task per unit, and sums the tasks' outcomes into the
 * {@link CopyResult} that {@code cutover copy} prints.
 *
 * <p>{@link #run} blocks the driver's thread until every task ended; a task that fails is retried by Spark
 * ({@code spark.task.maxFailures}) from its checkpoint, and a job that fails can be submitted again as it was.
 */
public final class SparkCopyJob {
    private static final Logger LOG = LoggerFactory.getLogger(SparkCopyJob.class);
    static final String KIND_COPY = "spark-copy";
    static final String KIND_LOAD = "spark-load";
    /** A segment per 256 MiB at least, so no task runs for hours on a large table. */
    static final long BYTES_PER_SEGMENT = 256L * 1024 * 1024;

    private final JavaSparkContext spark;
    private final SparkJobSettings settings;
    private final RetryPolicy retry = RetryPolicy.defaults();

    public SparkCopyJob(JavaSparkContext spark, SparkJobSettings settings) {
        if (settings.job().equals("verify")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "SparkCopyJob runs copy and load, not verify");
        }
        this.spark = spark;
        this.settings = settings;
    }

    public CopyResult run() {
        long start = System.nanoTime();
        // The driver holds the state directory's lock for the whole job: a second submission of it refuses to start.
        try (StateDirectory state = StateDirectory.open(settings.stateDirPath())) {
            Path stateDir = state.root();
            int tasksAtOnce = tasksAtOnce();
            List<String> warnings = new ArrayList<>();
            Prepared prepared = settings.job().equals("load") ? prepareLoad() : prepareCopy(tasksAtOnce, warnings);
            List<UnitSpec> specs = manifest(prepared.units(), prepared.specs());
            long earlierDeadLetters = deadLetters(stateDir);
            LOG.info("{}: {} units as Spark tasks, {} at once; write rate {} items/s per task", settings.scope(), specs.size(),
                    tasksAtOnce, SparkCopyTask.share(settings.maxWriteRate(), tasksAtOnce));
            List<UnitOutcome> outcomes;
            try {
                outcomes = spark.parallelize(specs, Math.max(1, specs.size())).map(new SparkCopyTask(settings, tasksAtOnce)).collect();
            } catch (CutoverException e) {
                throw e;
            } catch (Exception e) {
                // Spark's job-aborted exception (checked in Scala, so the compiler does not see it) around the task's own.
                throw CutoverSparkMain.unwrap(e);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            TableCopyResult table = new TableCopyResult(settings.sourceName(), settings.targetTable(), prepared.schemaAction(),
                    sum(outcomes, UnitOutcome::items), sum(outcomes, UnitOutcome::resumedItems), sum(outcomes, UnitOutcome::bytes),
                    sum(outcomes, UnitOutcome::deadLettered), specs.size(), seconds, sum(outcomes, UnitOutcome::retries),
                    sum(outcomes, UnitOutcome::throttles), outcomes.stream().allMatch(UnitOutcome::complete), warnings);
            return CopyResult.of(List.of(table), seconds, stateDir.toString(), stateDir.resolve(SparkCopyTask.DEAD_LETTERS).toString(),
                    earlierDeadLetters, !table.complete());
        }
    }

    private static long sum(List<UnitOutcome> outcomes, java.util.function.ToLongFunction<UnitOutcome> f) {
        return outcomes.stream().mapToLong(f).sum();
    }

    /** Task slots: --tasks-at-once, else Spark's default parallelism (executors x cores in a cluster, N in local[N]). */
    int tasksAtOnce() {
        return settings.tasksAtOnce() > 0 ? settings.tasksAtOnce() : Math.max(1, spark.defaultParallelism());
    }

    private record Prepared(int units, List<UnitSpec> specs, String schemaAction) {
    }

    private Prepared prepareCopy(int tasksAtOnce, List<String> warnings) {
        DynamoDbEndpoint sourceEndpoint = settings.source().toEndpoint();
        DynamoDbEndpoint targetEndpoint = settings.target().toEndpoint();
        try (DynamoDbClient source = DynamoDbClients.create(sourceEndpoint, 4);
             DynamoDbClient target = DynamoDbClients.create(targetEndpoint, 4)) {
            DynamoDbTableDefinitions sourceTables = new DynamoDbTableDefinitions(source, sourceEndpoint, retry);
            DynamoDbTableDefinitions targetTables = new DynamoDbTableDefinitions(target, targetEndpoint, retry);
            SourceTable table = sourceTables.read(settings.sourceTable());
            Optional<TableDescription> existing = targetTables.describe(settings.targetTable());
            String action;
            if (existing.isPresent()) {
                DynamoDbTableDefinitions.incompatibility(table.description(), existing.get()).ifPresent(problem -> {
                    throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, problem);
                });
                action = "reused";
            } else {
                warnings.addAll(targetTables.create(table, settings.targetTable()));
                action = "created";
            }
            int segments = settings.segments() > 0 ? settings.segments()
                    : (int) Math.min(1_000_000, Math.max(4L * tasksAtOnce, table.sizeBytes() / BYTES_PER_SEGMENT + 1));
            return new Prepared(segments, null, action);
        }
    }

    private Prepared prepareLoad() {
        ExportLocation location = ExportLocation.parse("--from-export", settings.exportLocation());
        ExportManifest export = ExportManifest.read(ExportStores.open(location, ExecutorUnits.exportEndpoint(settings)));
        DynamoDbEndpoint targetEndpoint = settings.target().toEndpoint();
        try (DynamoDbClient target = DynamoDbClients.create(targetEndpoint, 4)) {
            new DynamoDbTableDefinitions(target, targetEndpoint, retry).describe(settings.targetTable())
                    .orElseThrow(() -> new CutoverException(ErrorCode.TABLE_NOT_FOUND, "target table '" + settings.targetTable()
                            + "' does not exist at " + targetEndpoint.describe() + ": an export load writes into an existing table"));
        }
        int files = export.files().size();
        List<UnitSpec> specs = new ArrayList<>(files);
        for (int i = 0; i < files; i++) {
            specs.add(UnitSpec.file(i, files));
        }
        return new Prepared(files, specs, "reused");
    }

    /**
     * The state directory holds one job: the same kind, source and target, and the same unit count, else it is
     * refused (checkpoints are per unit). Returns the units to run, split as the manifest says.
     */
    private List<UnitSpec> manifest(int units, List<UnitSpec> fileSpecs) {
        Path stateDir = settings.stateDirPath();
        String kind = settings.job().equals("load") ? KIND_LOAD : KIND_COPY;
        Optional<JobManifest> existing = JobManifest.load(stateDir);
        if (settings.restart()) {
            new FileCheckpointStore(stateDir.resolve("checkpoints")).clear(settings.scope());
            keepDeadLettersAside(stateDir);
            existing = Optional.empty();
        }
        int split = units;
        if (existing.isPresent()) {
            JobManifest had = existing.get();
            JobManifest.Entry entry = had.tables().size() == 1 ? had.tables().get(0) : null;
            if (!kind.equals(had.kind()) || entry == null || !entry.source().equals(settings.sourceName())
                    || !entry.target().equals(settings.targetTable())) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + stateDir + " holds another job (" + had.kind()
                        + " of " + had.tables().stream().map(e -> e.source() + " -> " + e.target()).toList()
                        + "): pass --restart to discard it, or use another --state-dir");
            }
            if (settings.segments() > 0 && settings.segments() != entry.segments()) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--segments " + settings.segments() + " differs from the "
                        + entry.segments() + " units this job started with (checkpoints are per unit): drop --segments to resume,"
                        + " or pass --restart to start over");
            }
            if (fileSpecs != null && entry.segments() != units) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "the export now lists " + units + " files, the job started with "
                        + entry.segments() + ": pass --restart to load it from the start");
            }
            split = entry.segments();
        } else {
            new JobManifest(kind, List.of(new JobManifest.Entry(settings.sourceName(), settings.targetTable(), units))).save(stateDir);
        }
        if (fileSpecs != null) {
            return fileSpecs;
        }
        List<UnitSpec> specs = new ArrayList<>(split);
        for (int s = 0; s < split; s++) {
            specs.add(UnitSpec.segment("source", s, split));
        }
        return specs;
    }

    /** --restart starts with no dead letters; the old ones stay as {@code dead-letters-TIME}, like the CLI's. */
    private static void keepDeadLettersAside(Path stateDir) {
        Path dir = stateDir.resolve(SparkCopyTask.DEAD_LETTERS);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.move(dir, dir.resolveSibling(SparkCopyTask.DEAD_LETTERS + "-" + java.time.Instant.now().toString().replace(':', '-')));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot move " + dir + " aside for --restart: " + e.getMessage(), e);
        }
    }

    /** Dead letters kept from earlier submissions of this job (they still count towards the result). */
    static long deadLetters(Path stateDir) {
        Path dir = stateDir.resolve(SparkCopyTask.DEAD_LETTERS);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            long n = 0;
            for (Path f : files.toList()) {
                try (Stream<String> lines = Files.lines(f)) {
                    n += lines.filter(l -> !l.isBlank()).count();
                }
            }
            return n;
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }
}
