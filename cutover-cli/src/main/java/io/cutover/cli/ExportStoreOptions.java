package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbEndpoint;
import java.net.URI;
import java.net.URISyntaxException;
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
        Optional<URI> uri = Optional.empty();
        if (endpointUrl != null) {
            try {
                URI u = new URI(endpointUrl);
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                    throw new URISyntaxException(endpointUrl, "needs http:// or https:// and a host");
                }
                uri = Optional.of(u);
            } catch (URISyntaxException e) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--export-endpoint-url '" + endpointUrl
                        + "' is not an endpoint URL; use for example http://127.0.0.1:9000");
            }
        }
        return new DynamoDbEndpoint("export", uri, Optional.ofNullable(region != null ? region : fallbackRegion), Optional.ofNullable(profile));
    }
}
