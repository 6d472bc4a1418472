package io.cutover.dynamodb;

import io.cutover.core.retry.RetryPolicy;
import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds S3 clients like the DynamoDB ones: no SDK retries (the {@link RetryPolicy} retries), credentials and region
 * from the endpoint (whose role names the flags in messages: {@code --export-profile}, {@code --archive-profile}). An
 * endpoint URL (an S3-compatible server) switches to path-style addressing.
 */
public final class S3Clients {
    private S3Clients() {
    }

    public static S3Client create(DynamoDbEndpoint s3) {
        S3ClientBuilder b = S3Client.builder()
                .region(DynamoDbClients.region(s3))
                .credentialsProvider(DynamoDbClients.credentials(s3))
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64).connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        // An S3-compatible server: path-style, and checksums only where S3 requires them (not every server takes the
        // SDK's default aws-chunked uploads with trailing checksums). The files' own checksums are checked either way.
        s3.endpointUrl().ifPresent(u -> b.endpointOverride(u).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
        return b.build();
    }
}
