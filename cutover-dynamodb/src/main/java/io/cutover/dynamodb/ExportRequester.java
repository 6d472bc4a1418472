package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.export.ExportLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportFormat;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;

/**
 * {@code migrate --backfill export --export-to s3://...} on AWS: requests ExportTableToPointInTime of the
 * source at a time after capture started, waits for it, and hands back where its files are. The request's
 * ARN is saved in the state directory before waiting, so a resumed migration waits for the same export
 * instead of paying for a second one. Needs point-in-time recovery on the source table and an S3 bucket the
 * caller may write. DynamoDB Local does not support exports: there it fails at once, naming the way round.
 *
 * <p>{@link #request} blocks until the export completed or failed (exports of large tables take tens of
 * minutes); the poll is every {@code pollEvery}.
 */
public final class ExportRequester {
    private static final Logger LOG = LoggerFactory.getLogger(ExportRequester.class);
    static final String FILE = "export-request.json";

    /** What the state directory remembers of a request. */
    public record Requested(String exportArn, String exportTime) {
    }

    private final DynamoDbClient client;
    private final DynamoDbEndpoint endpoint;
    private final RetryPolicy retry;
    private final Duration pollEvery;

    public ExportRequester(DynamoDbClient client, DynamoDbEndpoint endpoint, RetryPolicy retry, Duration pollEvery) {
        this.client = client;
        this.endpoint = endpoint;
        this.retry = retry;
        this.pollEvery = pollEvery;
    }

    /** Requests (or finds the earlier request of) an export of {@code tableArn} as of {@code at}, and waits for it. */
    public ExportLocation request(String tableArn, ExportLocation to, Instant at, Path stateDir) {
        if (!to.isS3()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--export-to must be s3://bucket/prefix (DynamoDB writes exports"
                    + " only to S3), was " + to.text());
        }
        Path file = stateDir.resolve(FILE);
        Optional<Requested> earlier = JsonStateFile.read(file, Requested.class, ": pass --restart");
        String arn;
        if (earlier.isPresent()) {
            arn = earlier.get().exportArn();
            LOG.info("waiting for the export requested earlier: {}", arn);
        } else {
            arn = call("ExportTableToPointInTime", () -> client.exportTableToPointInTime(b -> b.tableArn(tableArn).exportTime(at)
                    .s3Bucket(to.bucket().orElseThrow()).s3Prefix(to.prefix().isEmpty() ? null : to.prefix())
                    .exportFormat(ExportFormat.DYNAMODB_JSON)).exportDescription().exportArn());
            JsonStateFile.write(file, new Requested(arn, at.toString()));
            LOG.info("requested export {} of {} as of {}", arn, tableArn, at);
        }
        while (true) {
            ExportDescription d = call("DescribeExport", () -> client.describeExport(b -> b.exportArn(arn)).exportDescription());
            if (d.exportStatus() == ExportStatus.COMPLETED) {
                String manifest = d.exportManifest();
                String folder = manifest.lastIndexOf('/') < 0 ? "" : manifest.substring(0, manifest.lastIndexOf('/'));
                return ExportLocation.parse("--export-to", "s3://" + d.s3Bucket() + "/" + folder);
            }
            if (d.exportStatus() == ExportStatus.FAILED) {
                throw new CutoverException(ErrorCode.REJECTED, "export " + arn + " failed: " + d.failureCode() + " " + d.failureMessage()
                        + "; fix the cause (bucket permissions, point-in-time recovery) and run with --restart to request another");
            }
            try {
                Thread.sleep(pollEvery.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for export " + arn
                        + "; run again to keep waiting for it", e);
            }
        }
    }

    private <T> T call(String what, java.util.function.Supplier<T> op) {
        try {
            return retry.execute(what, a -> op.get(), new DynamoDbErrorClassifier(endpoint), RetryListener.NONE);
        } catch (CutoverException e) {
            String msg = String.valueOf(e.getMessage());
            if (e.code() == ErrorCode.REJECTED && msg.contains("PointInTimeRecovery")) {
                throw new CutoverException(ErrorCode.UNSUPPORTED, what + " refused: the source table needs point-in-time recovery"
                        + " for an export; enable it (aws dynamodb update-continuous-backups) or use --backfill scan", e);
            }
            if (e.code() == ErrorCode.REJECTED || e.code() == ErrorCode.TRANSIENT && endpoint.isLoopback()) {
                throw new CutoverException(ErrorCode.UNSUPPORTED, what + " is not supported at " + endpoint.describe()
                        + " (DynamoDB Local has no exports): pass --export with the folder or s3:// prefix of an existing export,"
                        + " or --backfill scan", e);
            }
            throw e;
        }
    }
}
