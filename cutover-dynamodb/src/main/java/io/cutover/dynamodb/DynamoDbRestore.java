package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveFileReader;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.archive.RestorePlan;
import io.cutover.core.archive.RestorePoint;
import io.cutover.core.archive.RestoreState;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.RestoreResult;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Point-in-time restore from Cutover's archive into a new DynamoDB table: plan (which base, how many changes),
 * work out the state at the point on disk ({@link RestoreState}), create the table with the archived key schema,
 * and bulk-write the state through the {@link BulkCopier} with a checkpoint per row range, so that a run killed
 * at any moment resumes where it stopped. {@link #verify} compares the table with the archive's state.
 */
public final class DynamoDbRestore implements io.cutover.core.archive.Restore {
    /** What the restore is asked to do; validated once. */
    public record Settings(DynamoDbEndpoint target, ArchiveStore archive, RestorePoint point, String targetTable, Path stateDir, int parallelism,
                           int writeConcurrency) {
        public Settings {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(archive, "--archive");
            Objects.requireNonNull(point, "restore point");
            Objects.requireNonNull(stateDir, "--state-dir");
            if (targetTable == null || !targetTable.matches("[A-Za-z0-9_.-]{3,255}")) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--target-table must be 3 to 255 of A-Z a-z 0-9 _ . -, was '"
                        + targetTable + "'");
            }
            if (parallelism < 1 || writeConcurrency < 1) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--parallelism and --write-concurrency must be at least 1");
            }
        }
    }

    private final Settings settings;
    private final ArchiveManifest manifest;
    private final RestorePlan plan;
    private final DynamoDbClient client;
    private final RestoreState state;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private volatile BulkCopier<?> copier;

    public DynamoDbRestore(Settings settings) {
        this.settings = settings;
        this.manifest = ArchiveManifest.require(settings.archive());
        this.plan = RestorePlan.of(manifest, settings.point());
        this.client = DynamoDbClients.create(settings.target(), settings.writeConcurrency() + 4);
        this.state = RestoreState.open(settings.stateDir().resolve("restore-state.db"), manifest.keyNames());
    }

    private String planId() {
        ArchiveStore a = settings.archive();
        String where = a instanceof io.cutover.core.archive.FolderArchiveStore f ? f.dir().toAbsolutePath().normalize().toString() : a.location();
        return where + " " + settings.point() + " -> " + settings.targetTable();
    }

    private RestoreState.Summary summary() {
        Optional<RestoreState.Summary> built = state.built(planId());
        return built.orElseGet(() -> state.build(planId(), plan, new ArchiveFileReader(settings.archive())));
    }

    /** The plan, without writing to the target: the base used, changes to replay, expected items and bytes. */
    @Override
    public RestoreResult dryRun() {
        return result("planned", summary(), 0, 0);
    }

    @Override
    public RestoreResult run(CopyProgress progress) {
        long started = System.nanoTime();
        RestoreState.Summary s = summary();
        DynamoDbTableDefinitions tables = new DynamoDbTableDefinitions(client, settings.target(), retry);
        Optional<TableDescription> existing = tables.describe(settings.targetTable());
        if (existing.isEmpty()) {
            state.markCreating(settings.targetTable());
            tables.create(new SourceTable(tableDescription(), Optional.empty(), List.of(), List.of()), settings.targetTable(), false);
        } else if (!state.creates(settings.targetTable())) {
            throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "--target-table " + settings.targetTable() + " already exists:"
                    + " a restore writes into a new table; pick another name or delete it");
        }
        progress.tableStarted(manifest.sourceTable(), settings.targetTable(), s.items(), 0);
        try (FileDeadLetterSink dead = new FileDeadLetterSink(settings.stateDir().resolve("dead-letters.jsonl"));
             DynamoDbBatchWriter writer = new DynamoDbBatchWriter(client, settings.targetTable(), settings.writeConcurrency(),
                     new Throttle(0), retry, new DynamoDbErrorClassifier(settings.target()), dead, progress::written)) {
            var running = new BulkCopier<>(new FileCheckpointStore(settings.stateDir().resolve("checkpoints")), "restore", writer, settings.parallelism(), new Throttle(0), progress);
            copier = running;
            BulkCopyStats stats = running.run(state.units(Math.max(1, settings.parallelism() * 4)));
            String status = stats.stopped() ? "stopped" : stats.deadLettered() > 0 ? "completed with dead letters" : "completed";
            return result(status, s, stats.items() + stats.resumedItems(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** Compares the restored table with the archive's state at the point, by the same bucketed digests as verify. */
    @Override
    public VerifyResult verify(CopyProgress progress) {
        RestoreState.Summary s = summary();
        TableDescription t = new DynamoDbTableDefinitions(client, settings.target(), retry).describe(settings.targetTable())
                .orElseThrow(() -> new CutoverException(ErrorCode.TABLE_NOT_FOUND, "--target-table " + settings.targetTable()
                        + " does not exist: run the restore first"));
        DynamoDbVerifySide target = new DynamoDbVerifySide(client, settings.target(), t.tableName(), s.items(), retry, 1000);
        return new Verifier(state, target, manifest.keyNames(), VerifyOptions.defaults(), progress).run().result();
    }

    @Override
    public void requestStop() {
        BulkCopier<?> c = copier;
        if (c != null) {
            c.requestStop();
        }
    }

    private RestoreResult result(String status, RestoreState.Summary s, long written, double seconds) {
        return new RestoreResult(status, settings.point().toString(), settings.targetTable(), s.base(), s.baseItems(), s.changesReplayed(),
                s.items(), s.bytes(), written, 0, seconds);
    }

    private TableDescription tableDescription() {
        return TableDescription.builder().tableName(manifest.sourceTable())
                .keySchema(manifest.keySchema().stream().map(k -> KeySchemaElement.builder().attributeName(k.name()).keyType(k.keyType()).build()).toList())
                .attributeDefinitions(manifest.keySchema().stream().map(k -> AttributeDefinition.builder().attributeName(k.name())
                        .attributeType(k.attributeType()).build()).toList())
                .billingModeSummary(b -> b.billingMode(BillingMode.PAY_PER_REQUEST)).build();
    }

    @Override
    public void close() {
        state.close();
        client.close();
    }
}
