package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbEndpoint;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The connection flags for both sides; shared by every command that talks to two DynamoDB endpoints. */
public final class ConnectionOptions {
    @Option(names = "--config", paramLabel = "FILE", description = {"Settings in YAML, keys named like the long flags (source-table: orders).",
            "A flag on the command line wins over the file."})
    java.nio.file.Path config;

    @Option(names = "--endpoint-url", paramLabel = "URL", description = "Endpoint for both sides (for example DynamoDB Local: http://localhost:8000).")
    String endpointUrl;

    @Option(names = "--source-endpoint-url", paramLabel = "URL", description = "Source endpoint; overrides --endpoint-url.")
    String sourceEndpointUrl;

    @Option(names = "--target-endpoint-url", paramLabel = "URL", description = "Target endpoint; overrides --endpoint-url.")
    String targetEndpointUrl;

    @Option(names = "--region", paramLabel = "REGION", description = "Region for both sides.")
    String region;

    @Option(names = "--source-region", paramLabel = "REGION", description = "Source region; overrides --region.")
    String sourceRegion;

    @Option(names = "--target-region", paramLabel = "REGION", description = "Target region; overrides --region.")
    String targetRegion;

    @Option(names = "--source-profile", paramLabel = "NAME", description = "AWS credentials profile for the source (default: the AWS default chain).")
    String sourceProfile;

    @Option(names = "--target-profile", paramLabel = "NAME", description = "AWS credentials profile for the target (default: the AWS default chain).")
    String targetProfile;

    public DynamoDbEndpoint source() {
        return endpoint("source", first(sourceEndpointUrl, endpointUrl), first(sourceRegion, region), sourceProfile);
    }

    public DynamoDbEndpoint target() {
        return endpoint("target", first(targetEndpointUrl, endpointUrl), first(targetRegion, region), targetProfile);
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static DynamoDbEndpoint endpoint(String role, String url, String region, String profile) {
        return new DynamoDbEndpoint(role, endpointUri(url, "--" + role + "-endpoint-url (or --endpoint-url):",
                "http://localhost:8000 or https://dynamodb.eu-west-1.amazonaws.com"), Optional.ofNullable(region), Optional.ofNullable(profile));
    }

    /**
     * An {@code --...-endpoint-url} flag's value as a URI (empty when not given), refused unless it is http:// or https://
     * with a host: "{@code flag} 'VALUE' is not an endpoint URL; use for example {@code example}".
     */
    static Optional<URI> endpointUri(String url, String flag, String example) {
        if (url == null) {
            return Optional.empty();
        }
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw new URISyntaxException(url, "needs http:// or https:// and a host");
            }
            return Optional.of(u);
        } catch (URISyntaxException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " '" + url + "' is not an endpoint URL; use for example " + example);
        }
    }
}
