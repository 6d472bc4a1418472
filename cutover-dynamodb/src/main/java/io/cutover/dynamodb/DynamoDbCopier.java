package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.CheckpointStore;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.checkpoint.UnitCheckpoint;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.CopyPlan;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.TableCopyResult;
import io.cutover.core.result.TablePlan;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.passthrough.PassThroughBodies;
import io.cutover.dynamodb.passthrough.RawItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover copy} for DynamoDB to DynamoDB: plans every table pair (refusing before anything is
 * written when a target is missing or incompatible), creates or reuses each target's schema, and runs
 * the {@link BulkCopier} over the source's scan segments with checkpoints in the state directory.
 * Running it again with the same state directory resumes.
 *
 * <p>{@link #run} and {@link #plan} block; {@link #requestStop} may be called from another thread.
 */
public final class DynamoDbCopier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbCopier.class);

    private final CopySettings settings;
    private final CopyProgress progress;
    private final DynamoDbClient sourceClient;
    private final DynamoDbClient targetClient;
    private final DynamoDbTableDefinitions sourceTables;
    private final DynamoDbTableDefinitions targetTables;
    private final RetryPolicy retry;
    private volatile BulkCopier<?> current;
    private volatile boolean stopRequested;
    private volatile boolean targetStream = true;
    private volatile boolean consistentRead;

    public DynamoDbCopier(CopySettings settings, CopyProgress progress, List<ExecutionInterceptor> targetInterceptors) {
        this(settings, progress, RetryPolicy.defaults(), targetInterceptors);
    }

    public DynamoDbCopier(CopySettings settings, CopyProgress progress, RetryPolicy retry, List<ExecutionInterceptor> targetInterceptors) {
        this.settings = settings;
        this.progress = progress;
        this.retry = retry;
        // The pass-through interceptor comes first, so that any other sees the body that is sent.
        this.sourceClient = DynamoDbClients.create(settings.source(), settings.maxReaders() + 4, new PassThroughBodies());
        List<ExecutionInterceptor> target = new ArrayList<>();
        target.add(new PassThroughBodies());
        target.addAll(targetInterceptors);
        this.targetClient = DynamoDbClients.create(settings.target(), settings.maxWritesInFlight() + 4,
                target.toArray(ExecutionInterceptor[]::new));
        this.sourceTables = new DynamoDbTableDefinitions(sourceClient, settings.source(), retry);
        this.targetTables = new DynamoDbTableDefinitions(targetClient, settings.target(), retry);
    }

    /** What a run would do; reads both sides, writes nothing. */
    public CopyPlan plan() {
        Optional<JobManifest> manifest = settings.restart() ? Optional.empty() : JobManifest.load(settings.stateDir());
        List<TablePlan> plans = new ArrayList<>();
        for (TablePair pair : pairs()) {
            plans.add(planTable(pair, manifest));
        }
        boolean ok = plans.stream().noneMatch(p -> p.targetAction().equals("refuse"));
        return new CopyPlan(ok, plans, settings.stateDir().toString(), manifest.isPresent());
    }

    private List<TablePair> pairs() {
        List<String> listed = settings.renamePrefixes().isEmpty() ? List.of() : sourceTables.listTables();
        return settings.resolvePairs(listed);
    }

    private TablePlan planTable(TablePair pair, Optional<JobManifest> manifest) {
        SourceTable source = sourceTables.read(pair.source());
        Optional<TableDescription> target = targetTables.describe(pair.target());
        List<String> warnings = new ArrayList<>(source.warnings());
        String action;
        String reason;
        if (target.isPresent()) {
            Optional<String> problem = DynamoDbTableDefinitions.incompatibility(source.description(), target.get());
            if (problem.isPresent()) {
                action = "refuse";
                reason = problem.get();
            } else {
                action = "reuse";
                reason = "target exists with the same keys";
                warnings.addAll(DynamoDbTableDefinitions.differences(source.description(), target.get()));
            }
        } else if (settings.dataOnly()) {
            action = "refuse";
            reason = "target table '" + pair.target() + "' does not exist at " + settings.target().describe()
                    + ": --data-only needs an existing target (drop --data-only to create it)";
        } else {
            action = "create";
            reason = "target does not exist";
        }
        int segments = manifest.flatMap(m -> m.entry(pair)).map(JobManifest.Entry::segments)
                .orElse(settings.segmentsFor(source.sizeBytes()));
        double rate = writeRate(source, target.orElse(source.description()), warnings);
        return new TablePlan(pair.source(), pair.target(), settings.schemaOnly() && !action.equals("refuse") ? action + " (schema only)" : action,
                reason, source.itemCount(), source.sizeBytes(), segments, Math.min(segments, settings.maxReaders()), rate,
                DynamoDbTableDefinitions.summary(source), warnings);
    }

    /** Items/s allowed for writes to this target: --max-write-rate, and --write-capacity-percent of a provisioned target. */
    double writeRate(SourceTable source, TableDescription target, List<String> warnings) {
        double limit = settings.maxWriteRate();
        if (settings.writeCapacityPercent().isPresent()) {
            if (DynamoDbTableDefinitions.billingMode(target) == BillingMode.PROVISIONED) {
                long wcu = target.provisionedThroughput().writeCapacityUnits();
                double avgItem = source.itemCount() > 0 ? (double) source.sizeBytes() / source.itemCount() : 1024;
                double unitsPerItem = Math.max(1, Math.ceil(avgItem / 1024));
                double byCapacity = Math.max(1, wcu * settings.writeCapacityPercent().get() / 100.0 / unitsPerItem);
                limit = limit == 0 ? byCapacity : Math.min(limit, byCapacity);
            } else {
                warnings.add("--write-capacity-percent has no effect on '" + target.tableName()
                        + "': it is on-demand (PAY_PER_REQUEST); use --max-write-rate");
            }
        }
        return limit;
    }

    /** Copies every table pair; resumes from the state directory when it holds this job. */
    public CopyResult run() {
        long start = System.nanoTime();
        try (StateDirectory state = StateDirectory.open(settings.stateDir())) {
            CheckpointStore checkpoints = new FileCheckpointStore(state.checkpoints());
            CopyPlan plan = plan();
            plan.tables().stream().filter(t -> t.targetAction().equals("refuse")).findFirst().ifPresent(t -> {
                throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, t.reason());
            });
            JobManifest manifest = manifest(plan, checkpoints);
            long earlierDeadLetters = earlierDeadLetters(state.deadLetters(), settings.restart());
            FileDeadLetterSink deadLetters = new FileDeadLetterSink(state.deadLetters());
            List<TableCopyResult> results = new ArrayList<>();
            for (TablePlan table : plan.tables()) {
                if (stopRequested) {
                    break;
                }
                TablePair pair = new TablePair(table.sourceTable(), table.targetTable());
                results.add(copyTable(pair, table, manifest.entry(pair).orElseThrow().segments(), checkpoints, deadLetters));
            }
            // A stop that came after the last unit finished changes nothing: the copy is complete.
            boolean stopped = results.size() < plan.tables().size() || results.stream().anyMatch(r -> !r.complete());
            return CopyResult.of(results, (System.nanoTime() - start) / 1e9, settings.stateDir().toString(),
                    state.deadLetters().toString(), earlierDeadLetters, stopped);
        }
    }

    /**
     * Dead letters left by earlier runs of this job: they still count towards the result. With
     * --restart the old file is kept under a new name and the job starts with none.
     */
    static long earlierDeadLetters(Path file, boolean restart) {
        if (!Files.exists(file)) {
            return 0;
        }
        try {
            if (restart) {
                Files.move(file, file.resolveSibling("dead-letters-" + Instant.now().toString().replace(':', '-') + ".jsonl"));
                return 0;
            }
            try (var lines = Files.lines(file)) {
                return lines.filter(l -> !l.isBlank()).count();
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private JobManifest manifest(CopyPlan plan, CheckpointStore checkpoints) {
        List<JobManifest.Entry> entries = plan.tables().stream()
                .map(t -> new JobManifest.Entry(t.sourceTable(), t.targetTable(), t.segments())).toList();
        Optional<JobManifest> existing = JobManifest.load(settings.stateDir());
        if (settings.restart()) {
            for (JobManifest.Entry e : existing.map(JobManifest::tables).orElse(entries)) {
                checkpoints.clear(new TablePair(e.source(), e.target()).scope());
            }
            existing = Optional.empty();
        }
        if (existing.isPresent()) {
            var had = new HashSet<>(existing.get().tables().stream().map(e -> e.source() + "->" + e.target()).toList());
            var want = new HashSet<>(entries.stream().map(e -> e.source() + "->" + e.target()).toList());
            if (!had.equals(want) || !"copy".equals(existing.get().kind())) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + settings.stateDir() + " holds another job ("
                        + existing.get().kind() + " of " + had + "): pass --restart to discard it, or use another --state-dir");
            }
            for (JobManifest.Entry e : existing.get().tables()) {
                if (settings.segments().isPresent() && settings.segments().get() != e.segments()) {
                    throw new CutoverException(ErrorCode.STATE_CONFLICT, "--segments " + settings.segments().get()
                            + " differs from the " + e.segments() + " segments this copy started with (checkpoints are per segment):"
                            + " drop --segments to resume, or pass --restart to start over");
                }
            }
            return existing.get();
        }
        JobManifest created = new JobManifest("copy", entries);
        created.save(settings.stateDir());
        return created;
    }

    private TableCopyResult copyTable(TablePair pair, TablePlan plan, int segments, CheckpointStore checkpoints,
                                      FileDeadLetterSink deadLetters) {
        long start = System.nanoTime();
        SourceTable source = sourceTables.read(pair.source());
        List<String> warnings = new ArrayList<>(plan.warnings());
        String schemaAction;
        if (plan.targetAction().startsWith("create")) {
            warnings.addAll(targetTables.create(source, pair.target(), targetStream));
            schemaAction = "created";
        } else {
            schemaAction = settings.dataOnly() ? "skipped" : "reused";
        }
        if (settings.schemaOnly()) {
            return new TableCopyResult(pair.source(), pair.target(), schemaAction, 0, 0, 0, 0, 0,
                    (System.nanoTime() - start) / 1e9, 0, 0, true, warnings);
        }
        long resumed = checkpoints.loadAll(pair.scope()).values().stream().mapToLong(UnitCheckpoint::items).sum();
        progress.tableStarted(pair.source(), pair.target(), source.itemCount(), resumed);
        DynamoDbErrorClassifier sourceErrors = new DynamoDbErrorClassifier(settings.source());
        Throttle readThrottle = new Throttle(settings.maxReadRate());
        LongAdder readRetries = new LongAdder();
        RetryListener readListener = (failure, attempt) -> {
            readRetries.increment();
            if (failure.code() == ErrorCode.THROTTLED) {
                readThrottle.onThrottled();
            }
        };
        List<DynamoDbScanSegment> units = new ArrayList<>(segments);
        for (int s = 0; s < segments; s++) {
            units.add(new DynamoDbScanSegment(sourceClient, pair.source(), s, segments, settings.scanPageSize(), consistentRead, retry,
                    sourceErrors, readListener));
        }
        ErrorClassifier targetErrors = new DynamoDbErrorClassifier(settings.target());
        try (DynamoDbBatchWriter writer = new DynamoDbBatchWriter(targetClient, pair.target(), settings.writeLimiter(),
                new Throttle(plan.writeRateLimit()), retry, targetErrors, deadLetters)) {
            BulkCopyStats stats;
            io.cutover.core.throttle.AdaptiveConcurrency readers = settings.readers();
            if (settings.passThrough()) {
                // Nothing transforms items here: they go from Scan response to BatchWriteItem body as bytes (decision 0220).
                List<String> keys = source.description().keySchema().stream().map(KeySchemaElement::attributeName).toList();
                List<ItemUnit<RawItem>> raw = units.stream().map(u -> u.passThrough(keys)).toList();
                stats = run(new BulkCopier<>(checkpoints, pair.scope(), writer.rawItems(), readers, readThrottle, progress), raw);
            } else {
                stats = run(new BulkCopier<>(checkpoints, pair.scope(), writer, readers, readThrottle, progress), units);
            }
            TableCopyResult result = new TableCopyResult(pair.source(), pair.target(), schemaAction, stats.items(),
                    stats.resumedItems(), stats.bytes(), stats.deadLettered(), segments, (System.nanoTime() - start) / 1e9,
                    writer.retries() + readRetries.sum(), writer.throttles() + readThrottle.throttles(), !stats.stopped(), warnings);
            LOG.info("{}: {} items in {} s ({} resumed); segments read at once {}{}; write concurrency {}{}{}", pair, stats.items(),
                    String.format("%.1f", result.seconds()), stats.resumedItems(), readers.limit(),
                    readers.isAdaptive() ? " (found; peak " + readers.peak() + ")" : "", writer.concurrencyLimit(),
                    settings.writeConcurrency() == 0 ? " (found; peak " + writer.concurrencyPeak() + ")" : "",
                    settings.passThrough() ? "" : "; object path (--no-pass-through)");
            progress.tableFinished(result);
            return result;
        }
    }

    private <T> BulkCopyStats run(BulkCopier<T> copier, List<? extends ItemUnit<T>> units) {
        current = copier;
        if (stopRequested) {
            copier.requestStop();
        }
        try {
            return copier.run(units);
        } finally {
            current = null;
        }
    }

    /** Creates targets without the source's stream specification (a migration turns it on at cut-over). */
    /**
     * Scans with ConsistentRead: a live migration's backfill reads at the boundary with its stream
     * capture, where an eventually consistent page could miss a write the stream already carried
     * before capture's start position (doubles the read cost).
     */
    void withConsistentReads() {
        consistentRead = true;
    }

    void withoutTargetStream() {
        targetStream = false;
    }

    /** Stops after the pages in flight are acknowledged and checkpointed; the next run resumes. */
    public void requestStop() {
        stopRequested = true;
        BulkCopier<?> c = current;
        if (c != null) {
            c.requestStop();
        }
    }

    /** True when the state directory already holds a job. */
    public boolean hasState() {
        return Files.exists(settings.stateDir().resolve(JobManifest.FILE));
    }

    @Override
    public void close() {
        sourceClient.close();
        targetClient.close();
    }
}
