package io.cutover.dynamodb;

import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportStore;
import io.cutover.dynamodb.export.LocalExportStore;
import io.cutover.dynamodb.export.S3ExportStore;

/**
 * Opens the store an {@link ExportLocation} names: a local folder, or an S3 prefix through an S3 client
 * built like the DynamoDB ones (no SDK retries: the {@link RetryPolicy} retries; credentials and region
 * from {@code s3}, whose role is "export", so messages name {@code --export-profile} and friends). An
 * {@code --export-endpoint-url} (an S3-compatible server) switches to path-style addressing.
 */
public final class ExportStores {
    private ExportStores() {
    }

    public static ExportStore open(ExportLocation location, DynamoDbEndpoint s3) {
        if (!location.isS3()) {
            return new LocalExportStore(location.folder().orElseThrow());
        }
        return new S3ExportStore(S3Clients.create(s3), location.bucket().orElseThrow(), location.prefix(), RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(s3));
    }
}
