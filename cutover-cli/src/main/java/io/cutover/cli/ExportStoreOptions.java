package io.cutover.cli;

import io.cutover.dynamodb.DynamoDbEndpoint;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where S3 is, for an export at an {@code s3://} location: an S3-compatible endpoint, a region and a profile. */
public final class ExportStoreOptions {
    @Option(names = "--export-endpoint-url", paramLabel = "URL", description = "S3 endpoint for s3:// export locations (an S3-compatible server; path-style).")
    String endpointUrl;

    @Option(names = "--export-region", paramLabel = "REGION", description = "Region of the export's S3 bucket (default: --region, else the AWS default chain).")
    String region;

    @Option(names = "--export-profile", paramLabel = "NAME", description = "AWS credentials profile for S3 (default: the AWS default chain).")
    String profile;

    /** The S3 side, role "export"; {@code fallbackRegion} is the command's --region when --export-region is absent. */
    DynamoDbEndpoint endpoint(String fallbackRegion) {
        Optional<URI> uri = ConnectionOptions.endpointUri(endpointUrl, "--export-endpoint-url", "http://127.0.0.1:9000");
        return new DynamoDbEndpoint("export", uri, Optional.ofNullable(region != null ? region : fallbackRegion), Optional.ofNullable(profile));
    }
}
