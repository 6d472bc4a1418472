package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClientBuilder;

/**
 * Builds the SDK client for one side. The SDK's own retries are switched off: Cutover retries in one
 * place, {@link io.cutover.core.retry.RetryPolicy}, which also drives the adaptive throttle.
 */
public final class DynamoDbClients {
    private static final java.util.List<ExecutionInterceptor> OBSERVERS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private DynamoDbClients() {
    }

    /**
     * Adds {@code interceptor} to every DynamoDB client created until the returned handle is closed, for a benchmark that
     * meters what the engine's own clients send ({@code bench export} counts the read units each path takes from the source
     * table). Not used on any production path.
     */
    public static AutoCloseable observeNewClients(ExecutionInterceptor interceptor) {
        OBSERVERS.add(interceptor);
        return () -> OBSERVERS.remove(interceptor);
    }

    public static DynamoDbClient create(DynamoDbEndpoint endpoint, int maxConnections, ExecutionInterceptor... interceptors) {
        DynamoDbClientBuilder b = DynamoDbClient.builder()
                .region(region(endpoint))
                .credentialsProvider(credentials(endpoint))
                .httpClientBuilder(httpClient(maxConnections))
                .overrideConfiguration(o -> {
                    o.retryStrategy(AwsRetryStrategy.doNotRetry());
                    o.apiCallAttemptTimeout(Duration.ofSeconds(60));
                    for (ExecutionInterceptor i : interceptors) {
                        o.addExecutionInterceptor(i);
                    }
                    OBSERVERS.forEach(o::addExecutionInterceptor);
                });
        endpoint.endpointUrl().ifPresent(b::endpointOverride);
        return b.build();
    }

    /** The DynamoDB Streams client for the same side, configured the same way (no SDK retries). */
    public static DynamoDbStreamsClient createStreams(DynamoDbEndpoint endpoint, int maxConnections, ExecutionInterceptor... interceptors) {
        DynamoDbStreamsClientBuilder b = DynamoDbStreamsClient.builder()
                .region(region(endpoint))
                .credentialsProvider(credentials(endpoint))
                .httpClientBuilder(httpClient(maxConnections))
                .overrideConfiguration(o -> {
                    o.retryStrategy(AwsRetryStrategy.doNotRetry());
                    for (ExecutionInterceptor i : interceptors) {
                        o.addExecutionInterceptor(i);
                    }
                });
        endpoint.endpointUrl().ifPresent(b::endpointOverride);
        return b.build();
    }

    /**
     * Application Auto Scaling for the same side (restore --native re-applies the table's autoscaling). With an endpoint
     * URL (DynamoDB Local) it points there too, which answers with an error: there is no local Application Auto Scaling.
     */
    public static software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient createAutoScaling(
            DynamoDbEndpoint endpoint, ExecutionInterceptor... interceptors) {
        var b = software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient.builder()
                .region(region(endpoint))
                .credentialsProvider(credentials(endpoint))
                .httpClientBuilder(httpClient(4))
                .overrideConfiguration(o -> {
                    o.retryStrategy(AwsRetryStrategy.doNotRetry());
                    for (ExecutionInterceptor i : interceptors) {
                        o.addExecutionInterceptor(i);
                    }
                });
        endpoint.endpointUrl().ifPresent(b::endpointOverride);
        return b.build();
    }

    private static ApacheHttpClient.Builder httpClient(int maxConnections) {
        return ApacheHttpClient.builder()
                .maxConnections(Math.max(8, maxConnections))
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(60))
                .tcpKeepAlive(true);
    }

    static Region region(DynamoDbEndpoint endpoint) {
        if (endpoint.region().isPresent()) {
            return Region.of(endpoint.region().get());
        }
        if (endpoint.isLoopback()) {
            return Region.US_EAST_1;
        }
        if (endpoint.profile().isPresent()) {
            try {
                Region fromProfile = new AwsProfileRegionProvider(null, endpoint.profile().get()).getRegion();
                if (fromProfile != null) {
                    return fromProfile;
                }
            } catch (RuntimeException e) {
                // No region in that profile: fall through to the default chain.
            }
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "no AWS region for the " + endpoint.role()
                    + ": pass " + endpoint.flag("region") + " (or set AWS_REGION)");
        }
    }

    static AwsCredentialsProvider credentials(DynamoDbEndpoint endpoint) {
        if (endpoint.profile().isPresent()) {
            return ProfileCredentialsProvider.create(endpoint.profile().get());
        }
        if (endpoint.isLoopback()) {
            // DynamoDB Local accepts any credentials; use real ones when they exist, placeholders otherwise.
            return AwsCredentialsProviderChain.builder()
                    .reuseLastProviderEnabled(true)
                    .credentialsProviders(DefaultCredentialsProvider.builder().build(),
                            StaticCredentialsProvider.create(AwsBasicCredentials.create("cutoverlocal", "cutoverlocalsecret")))
                    .build();
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
