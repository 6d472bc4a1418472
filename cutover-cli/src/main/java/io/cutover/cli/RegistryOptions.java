package io.cutover.cli;

import io.cutover.client.EndpointRegistry;
import io.cutover.control.GateLimits;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Where the endpoint registry lives, shared by registry, switch, rollback and serve. */
public final class RegistryOptions {
    @Option(names = "--registry-table", paramLabel = "NAME", defaultValue = EndpointRegistry.DEFAULT_TABLE,
            description = "The endpoint registry table (default: ${DEFAULT-VALUE}).")
    String table;

    @Option(names = "--registry-endpoint-url", paramLabel = "URL", description = "Endpoint of the registry table (for example DynamoDB Local).")
    String endpointUrl;

    @Option(names = "--registry-region", paramLabel = "REGION", description = "Region of the registry table.")
    String region;

    @Option(names = "--registry-profile", paramLabel = "NAME", description = "AWS credentials profile for the registry (default: the AWS default chain).")
    String profile;

    DynamoDbEndpoint endpoint() {
        Optional<URI> uri = ConnectionOptions.endpointUri(endpointUrl, "--registry-endpoint-url", "http://localhost:8000");
        return new DynamoDbEndpoint("registry", uri, Optional.ofNullable(region), Optional.ofNullable(profile));
    }

    /** A client for the registry, once the flags are known to be usable (nothing is sent before that). */
    DynamoDbClient client() {
        io.cutover.dynamodb.DynamoDbTableName.problem("--registry-table", table).ifPresent(p -> {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID, p);
        });
        return DynamoDbClients.create(endpoint(), 8);
    }

    /** Who is making a change, for the audit log: the OS user at this host. */
    static String operator() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown-host";
        }
        return System.getProperty("user.name", "unknown") + "@" + host;
    }

    /** The gate limits, shared by switch and serve. */
    public static final class Limits {
        @Option(names = "--max-lag-ms", paramLabel = "MS", defaultValue = "1000", description = "Gate: the migration's lag p99 at most this (default: ${DEFAULT-VALUE}).")
        long maxLagMillis;

        @Option(names = "--max-backlog", paramLabel = "N", defaultValue = "1000", description = "Gate: changes not yet applied at most this (default: ${DEFAULT-VALUE}).")
        long maxBacklog;

        @Option(names = "--max-status-age", paramLabel = "S", defaultValue = "30", description = "Gate: the migration's status.json at most this old, in seconds (default: ${DEFAULT-VALUE}).")
        long maxStatusAge;

        @Option(names = "--max-verify-age", paramLabel = "S", defaultValue = "3600", description = "Gate: the last verify finished at most"
                + " this long ago, in seconds, and after the migration reached IN_SYNC (default: ${DEFAULT-VALUE}).")
        long maxVerifyAge;

        @Option(names = "--handover-timeout-ms", paramLabel = "MS", defaultValue = "10000", description = "A move of the site of record"
                + " (DUAL_WRITE <-> DUAL_WRITE_TARGET_READS) fences writes and waits this long for every instance to confirm;"
                + " refused (writes resume) if one does not; a rollback goes on with a warning (default: ${DEFAULT-VALUE}).")
        long handoverTimeoutMillis;

        GateLimits limits() {
            return new GateLimits(maxLagMillis, maxBacklog, maxStatusAge, maxVerifyAge);
        }

        java.time.Duration handoverTimeout() {
            if (handoverTimeoutMillis < 1) {
                throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID, "--handover-timeout-ms must be at"
                        + " least 1, was " + handoverTimeoutMillis);
            }
            return java.time.Duration.ofMillis(handoverTimeoutMillis);
        }
    }
}
