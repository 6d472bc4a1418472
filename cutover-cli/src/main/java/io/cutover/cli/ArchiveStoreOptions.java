package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.dynamodb.ArchiveStores;
import io.cutover.dynamodb.DynamoDbEndpoint;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --archive DIR|s3://bucket/prefix}, and where S3 is for an {@code s3://} archive: an endpoint, a region, a profile. */
public final class ArchiveStoreOptions {
    @Option(names = "--archive", paramLabel = "DIR|s3://BUCKET/PREFIX", description = "The archive: a local folder or an S3 prefix.")
    String archive;

    @Option(names = "--archive-endpoint-url", paramLabel = "URL", description = "S3 endpoint for an s3:// archive (an S3-compatible server; path-style).")
    String endpointUrl;

    @Option(names = "--archive-region", paramLabel = "REGION", description = "Region of an s3:// archive's bucket (default: --region, else the AWS default chain).")
    String region;

    @Option(names = "--archive-profile", paramLabel = "NAME", description = "AWS credentials profile for an s3:// archive (default: the AWS default chain).")
    String profile;

    /** Checks the flags without a server (exit 2 naming the flag). */
    void check() {
        if (archive == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive DIR|s3://bucket/prefix is required: the archive folder or S3"
                    + " prefix that cutover archive snapshot writes");
        }
        ArchiveStores.parse(archive);
        endpoint(null);
        if (!archive.startsWith("s3://") && (endpointUrl != null || region != null || profile != null)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive-endpoint-url, --archive-region and --archive-profile are for an"
                    + " s3:// --archive; --archive " + archive + " is a local folder");
        }
    }

    /** True when any archive flag was given (restore --native takes none). */
    boolean given() {
        return archive != null || endpointUrl != null || region != null || profile != null;
    }

    /** Opens the archive; {@code fallbackRegion} is the command's --region when --archive-region is absent. */
    ArchiveStore open(String fallbackRegion) {
        check();
        return ArchiveStores.open(archive, endpoint(fallbackRegion));
    }

    private DynamoDbEndpoint endpoint(String fallbackRegion) {
        Optional<URI> uri = ConnectionOptions.endpointUri(endpointUrl, "--archive-endpoint-url", "http://127.0.0.1:9000");
        return new DynamoDbEndpoint("archive", uri, Optional.ofNullable(region != null ? region : fallbackRegion), Optional.ofNullable(profile));
    }
}
