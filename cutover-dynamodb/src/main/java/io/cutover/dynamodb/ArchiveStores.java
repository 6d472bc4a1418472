package io.cutover.dynamodb;

import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.archive.FolderArchiveStore;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.export.ExportLocation;

/**
 * Opens the archive an {@code --archive} flag names: a local folder, or {@code s3://bucket/prefix} through an S3 client
 * whose endpoint's role is "archive" (so messages name {@code --archive-profile} and friends).
 */
public final class ArchiveStores {
    private ArchiveStores() {
    }

    /** Checks the flag's value alone (no server): a folder or s3://bucket/prefix, else CONFIG_INVALID naming the flag. */
    public static ExportLocation parse(String text) {
        return ExportLocation.parse("--archive", text);
    }

    public static ArchiveStore open(String text, DynamoDbEndpoint s3) {
        ExportLocation location = parse(text);
        if (!location.isS3()) {
            return new FolderArchiveStore(location.folder().orElseThrow());
        }
        return new S3ArchiveStore(S3Clients.create(s3), location.bucket().orElseThrow(), location.prefix(), RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(s3), S3ArchiveStore.LOCK_WAIT);
    }
}
