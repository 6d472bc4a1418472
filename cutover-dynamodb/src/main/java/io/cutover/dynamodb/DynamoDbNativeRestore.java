package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsDescription;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * {@code cutover restore --native}: DynamoDB's own point-in-time recovery (RestoreTableToPointInTime) from the source
 * table into a new table in the same account and region, waited for until ACTIVE, then {@link RestoredTableSettings}
 * puts back what such a restore drops (decision 0171). Only the service offers it: DynamoDB Local answers the
 * continuous-backups calls with an error, which is {@link ErrorCode#UNSUPPORTED} here, before anything is created.
 *
 * <p>Threading: {@link #run} blocks for the whole restore (minutes to hours on the service).
 */
public final class DynamoDbNativeRestore {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbNativeRestore.class);
    /** Error codes that mean the request was understood and refused for a reason of its own, not that the API is missing. */
    private static final Set<String> MEANINGFUL = Set.of("TableNotFoundException", "ResourceNotFoundException", "TableAlreadyExistsException",
            "ResourceInUseException", "PointInTimeRecoveryUnavailableException", "InvalidRestoreTimeException", "LimitExceededException",
            "AccessDeniedException", "UnrecognizedClientException", "ContinuousBackupsUnavailableException");

    /** What to restore; validated once. {@code time} empty: the latest restorable time. */
    public record Settings(DynamoDbEndpoint endpoint, String sourceTable, String targetTable, Optional<Instant> time, Duration timeout) {
        public Settings {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(time, "time");
            DynamoDbTableName.problem("--source-table", sourceTable).ifPresent(p -> {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, p);
            });
            DynamoDbTableName.problem("--target-table", targetTable).ifPresent(p -> {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, p);
            });
            if (sourceTable.equals(targetTable)) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--target-table must differ from --source-table: a native restore"
                        + " always makes a new table");
            }
        }
    }

    /** The restore's outcome: the point, the restored table, what was put back and what was not. */
    public record Result(String sourceTable, String targetTable, String restoredTo, RestoredTableSettings.Result settings, double seconds) {
    }

    private final Settings settings;
    private final DynamoDbClient dynamoDb;
    private final RestoredTableSettings reapply;
    private final RetryPolicy retry;
    private final ErrorClassifier errors;

    public DynamoDbNativeRestore(Settings settings, DynamoDbClient dynamoDb, ApplicationAutoScalingClient autoScaling, RetryPolicy retry) {
        this.settings = settings;
        this.dynamoDb = dynamoDb;
        this.retry = retry;
        this.errors = new DynamoDbErrorClassifier(settings.endpoint());
        this.reapply = new RestoredTableSettings(dynamoDb, autoScaling, settings.endpoint(), retry);
    }

    public Result run() {
        long started = System.nanoTime();
        String source = settings.sourceTable();
        String target = settings.targetTable();
        ContinuousBackupsDescription backups = unsupportedAsSuch("DescribeContinuousBackups", () -> dynamoDb.describeContinuousBackups(b -> b
                .tableName(source)).continuousBackupsDescription());
        var pitr = backups.pointInTimeRecoveryDescription();
        if (pitr == null || pitr.pointInTimeRecoveryStatus() != PointInTimeRecoveryStatus.ENABLED) {
            throw new CutoverException(ErrorCode.UNSUPPORTED, "point-in-time recovery is not enabled on " + source + ": a native restore"
                    + " needs it (migrate --enable-pitr, or aws dynamodb update-continuous-backups); it reaches back only to when it was"
                    + " enabled. Without it, restore from a Cutover archive (--archive)");
        }
        Optional<TableDescription> existing = new DynamoDbTableDefinitions(dynamoDb, settings.endpoint(), retry).describe(target);
        RestoredTableSettings.Source wanted = reapply.read(source);
        if (existing.isPresent()) {
            // a run stopped while the service restored: carry on if this table is that restore's, refuse any other table
            var summary = existing.get().restoreSummary();
            if (summary == null || summary.sourceTableArn() == null || !summary.sourceTableArn().endsWith(":table/" + source)) {
                throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "--target-table " + target + " already exists and is not a"
                        + " restore of " + source + ": a native restore makes a new table; pick another name or delete it");
            }
            LOG.info("{} is already a restore of {}: waiting for it and re-applying the settings", target, source);
        } else {
            unsupportedAsSuch("RestoreTableToPointInTime", () -> dynamoDb.restoreTableToPointInTime(b -> {
                b.sourceTableName(source).targetTableName(target);
                settings.time().ifPresentOrElse(t -> b.restoreDateTime(t), () -> b.useLatestRestorableTime(true));
            }));
        }
        LOG.info("restoring {} into {} as of {}", source, target, settings.time().map(Instant::toString).orElse("the latest restorable time"));
        awaitActive(target);
        RestoredTableSettings.Result put = reapply.apply(wanted, target);
        return new Result(source, target, settings.time().map(Instant::toString).orElse("latest"), put, (System.nanoTime() - started) / 1e9);
    }

    /** Runs a call that only the service offers; an endpoint that does not know it is UNSUPPORTED, not REJECTED. */
    private <T> T unsupportedAsSuch(String what, java.util.function.Supplier<T> call) {
        try {
            return retry.execute(what + " " + settings.sourceTable(), a -> call.get(), errors, RetryListener.NONE);
        } catch (CutoverException e) {
            if (e.getCause() instanceof AwsServiceException s && !e.retryable() && e.code() != ErrorCode.CREDENTIALS
                    && (s.awsErrorDetails() == null || !MEANINGFUL.contains(s.awsErrorDetails().errorCode()))) {
                throw new CutoverException(ErrorCode.UNSUPPORTED, "restore --native is unsupported here: the endpoint "
                        + settings.endpoint().describe() + " does not support " + what
                        + " (" + (s.awsErrorDetails() == null ? s.statusCode() : s.awsErrorDetails().errorCode()) + "): --native needs"
                        + " DynamoDB's point-in-time recovery, which only the service offers (DynamoDB Local has none); restore from a Cutover"
                        + " archive instead (--archive DIR|s3://...)", e);
            }
            if (e.code() == ErrorCode.TABLE_NOT_FOUND) {
                throw new CutoverException(ErrorCode.TABLE_NOT_FOUND, "--source-table " + settings.sourceTable() + " not found at "
                        + settings.endpoint().describe() + ": a native restore reads the table in the same account and region", e);
            }
            throw e;
        }
    }

    private void awaitActive(String table) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        long lastNote = 0;
        while (true) {
            Optional<TableDescription> d = new DynamoDbTableDefinitions(dynamoDb, settings.endpoint(), retry).describe(table);
            if (d.isPresent() && d.get().tableStatus() == TableStatus.ACTIVE) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new CutoverException(ErrorCode.RETRIES_EXHAUSTED, table + " was not ACTIVE within " + settings.timeout().toMinutes()
                        + " min; the service carries on: run the same cutover restore --native again, which waits for it and then"
                        + " re-applies the settings");
            }
            if (System.nanoTime() - lastNote > Duration.ofMinutes(1).toNanos()) {
                LOG.info("waiting for {} to be ACTIVE ({})", table, d.map(TableDescription::tableStatusAsString).orElse("not yet listed"));
                lastNote = System.nanoTime();
            }
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for " + table + " (the restore carries on in the"
                        + " service)", e);
            }
        }
    }
}
