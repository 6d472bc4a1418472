package io.cutover.dynamodb;

import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportStore;
import io.cutover.dynamodb.export.LocalExportStore;
import io.cutover.dynamodb.export.S3ExportStore;
import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

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
        S3ClientBuilder b = S3Client.builder()
                .region(DynamoDbClients.region(s3))
                .credentialsProvider(DynamoDbClients.credentials(s3))
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64).connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        // An S3-compatible server: path-style, and checksums only where S3 requires them (not every server takes the
        // SDK's default aws-chunked uploads with trailing checksums). The export's own MD5s are checked either way.
        s3.endpointUrl().ifPresent(u -> b.endpointOverride(u).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED));
        return new S3ExportStore(b.build(), location.bucket().orElseThrow(), location.prefix(), RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(s3));
    }
}
