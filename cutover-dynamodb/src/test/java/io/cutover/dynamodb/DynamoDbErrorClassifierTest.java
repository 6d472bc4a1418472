package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

class DynamoDbErrorClassifierTest {
    private static final DynamoDbEndpoint SOURCE =
            new DynamoDbEndpoint("source", Optional.empty(), Optional.of("eu-west-1"), Optional.empty());
    private static final DynamoDbEndpoint TARGET =
            new DynamoDbEndpoint("target", Optional.of(URI.create("http://localhost:8000")), Optional.of("us-east-1"),
                    Optional.empty());

    private final DynamoDbErrorClassifier source = new DynamoDbErrorClassifier(SOURCE);
    private final DynamoDbErrorClassifier target = new DynamoDbErrorClassifier(TARGET);

    private static AwsErrorDetails details(String code, String message) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("DynamoDb").build();
    }

    private static AwsServiceException service(int status, String code, String message) {
        return AwsServiceException.builder().statusCode(status).awsErrorDetails(details(code, message)).build();
    }

    private static void assertClassified(CutoverException e, ErrorCode code, Throwable cause) {
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(code.retryable(), e.retryable());
        assertSame(cause, e.getCause(), "keeps the SDK exception as the cause");
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void provisionedThroughputExceededIsRetryableThrottling() {
        ProvisionedThroughputExceededException sdk = ProvisionedThroughputExceededException.builder().statusCode(400)
                .awsErrorDetails(details("ProvisionedThroughputExceededException", "The level of configured provisioned "
                        + "throughput for the table was exceeded"))
                .build();

        CutoverException e = target.classify(sdk);

        assertClassified(e, ErrorCode.THROTTLED, sdk);
        assertTrue(e.retryable());
        assertTrue(e.getMessage().startsWith("target"), e.getMessage());
    }

    @ParameterizedTest
    // LimitExceededException is the Streams API's rate limit (HTTP 400), not a rejection.
    @ValueSource(strings = {"ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "LimitExceededException"})
    void otherThrottlingCodesAreRetryableThrottling(String code) {
        AwsServiceException sdk = service(400, code, "slow down");

        CutoverException e = source.classify(sdk);

        assertClassified(e, ErrorCode.THROTTLED, sdk);
        assertTrue(e.getMessage().contains("source"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TransactionConflictException", "TransactionInProgressException"})
    void aTransactionConflictIsRetriedNotDeadLettered(String code) {
        AwsServiceException sdk = service(400, code, "the item is in another transaction");

        CutoverException e = target.classify(sdk);

        assertTrue(e.retryable(), "a REJECTED write would be dead-lettered by the batch writer: " + e.code());
        assertSame(sdk, e.getCause());
    }

    @Test
    void status429IsThrottling() {
        AwsServiceException sdk = service(429, "SomethingNew", "too many");

        assertClassified(target.classify(sdk), ErrorCode.THROTTLED, sdk);
    }

    @Test
    void resourceNotFoundIsTableNotFoundNamingTheSideAndWhere() {
        ResourceNotFoundException sdk = ResourceNotFoundException.builder().statusCode(400)
                .awsErrorDetails(details("ResourceNotFoundException", "Requested resource not found")).build();

        CutoverException e = source.classify(sdk);

        assertClassified(e, ErrorCode.TABLE_NOT_FOUND, sdk);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("source"), e.getMessage());
        assertTrue(e.getMessage().contains("eu-west-1"), e.getMessage());
        assertTrue(e.getMessage().contains("Requested resource not found"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreRetryableTransientFailures(int status) {
        AwsServiceException sdk = service(status, "InternalServerError", "internal error");

        CutoverException e = target.classify(sdk);

        assertClassified(e, ErrorCode.TRANSIENT, sdk);
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("target"), e.getMessage());
        assertTrue(e.getMessage().contains(Integer.toString(status)), e.getMessage());
    }

    @Test
    void unrecognizedClientIsACredentialsFailureNamingTheProfileFlag() {
        AwsServiceException sdk = service(400, "UnrecognizedClientException", "The security token included in the request is invalid.");

        CutoverException e = source.classify(sdk);

        assertClassified(e, ErrorCode.CREDENTIALS, sdk);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("source"), e.getMessage());
        assertTrue(e.getMessage().contains("--source-profile"), e.getMessage());
        assertEquals(3, e.exitCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"AccessDeniedException", "ExpiredTokenException", "InvalidSignatureException",
            "MissingAuthenticationTokenException"})
    void otherCredentialCodesAreCredentialsFailures(String code) {
        AwsServiceException sdk = service(400, code, "no");

        CutoverException e = target.classify(sdk);

        assertClassified(e, ErrorCode.CREDENTIALS, sdk);
        assertTrue(e.getMessage().contains("--target-profile"), e.getMessage());
    }

    @Test
    void status403IsACredentialsFailureWhateverTheCode() {
        AwsServiceException sdk = service(403, "Forbidden", "no");

        assertClassified(target.classify(sdk), ErrorCode.CREDENTIALS, sdk);
    }

    @Test
    void validationExceptionIsRejectedAndNotRetried() {
        AwsServiceException sdk = service(400, "ValidationException", "One or more parameter values were invalid: "
                + "Missing the key id in the item");

        CutoverException e = target.classify(sdk);

        assertClassified(e, ErrorCode.REJECTED, sdk);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("target"), e.getMessage());
        assertTrue(e.getMessage().contains("ValidationException"), e.getMessage());
        assertTrue(e.getMessage().contains("Missing the key id in the item"), "keeps the service's reason: " + e.getMessage());
    }

    @Test
    void missingCredentialsAreACredentialsFailureNamingTheProfileFlag() {
        SdkClientException sdk = SdkClientException.create("Unable to load credentials from any of the providers in the chain "
                + "AwsCredentialsProviderChain(credentialsProviders=[...])");

        CutoverException e = target.classify(sdk);

        assertClassified(e, ErrorCode.CREDENTIALS, sdk);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("target"), e.getMessage());
        assertTrue(e.getMessage().contains("--target-profile"), e.getMessage());
        assertTrue(e.getMessage().contains("AWS_ACCESS_KEY_ID"), e.getMessage());
    }

    @Test
    void missingProfileIsACredentialsFailure() {
        SdkClientException sdk = SdkClientException.create("Profile file contained no credentials for profile 'prod'");

        assertClassified(source.classify(sdk), ErrorCode.CREDENTIALS, sdk);
    }

    @Test
    void unknownHostIsAnUnreachableEndpointNamingTheFlagsToFix() {
        SdkClientException sdk = SdkClientException.builder()
                .message("Unable to execute HTTP request: dynamodb.nowhere.invalid")
                .cause(new UnknownHostException("dynamodb.nowhere.invalid"))
                .build();

        CutoverException e = source.classify(sdk);

        assertClassified(e, ErrorCode.ENDPOINT_UNREACHABLE, sdk);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("source"), e.getMessage());
        assertTrue(e.getMessage().contains("--source-endpoint-url"), e.getMessage());
        assertTrue(e.getMessage().contains("--source-region"), e.getMessage());
    }

    @Test
    void unknownHostDeepInTheCauseChainIsFound() {
        SdkClientException sdk = SdkClientException.builder().message("Unable to execute HTTP request")
                .cause(new IOException("wrapped", new UnknownHostException("nowhere"))).build();

        assertEquals(ErrorCode.ENDPOINT_UNREACHABLE, target.classify(sdk).code());
    }

    @Test
    void droppedConnectionIsARetryableTransientFailure() {
        SdkClientException sdk = SdkClientException.builder().message("Unable to execute HTTP request: Connection reset")
                .cause(new SocketException("Connection reset")).build();

        CutoverException e = target.classify(sdk);

        assertClassified(e, ErrorCode.TRANSIENT, sdk);
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("target"), e.getMessage());
        assertTrue(e.getMessage().contains("Connection reset"), "names the root cause: " + e.getMessage());
    }

    @Test
    void cutoverExceptionsPassThroughUnchanged() {
        CutoverException already = new CutoverException(ErrorCode.REJECTED, "already classified");

        assertSame(already, source.classify(already));
    }

    @Test
    void anythingElseIsAnInternalError() {
        IllegalStateException bug = new IllegalStateException("bug");

        CutoverException e = source.classify(bug);

        assertClassified(e, ErrorCode.INTERNAL, bug);
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("source"), e.getMessage());
    }

    @Test
    void unreachableMeansNothingListensOrTheHostIsUnknown() {
        assertTrue(DynamoDbErrorClassifier.isUnreachable(
                SdkClientException.builder().message("x").cause(new ConnectException("Connection refused")).build()));
        assertTrue(DynamoDbErrorClassifier.isUnreachable(new RuntimeException(new UnknownHostException("h"))));
        assertFalse(DynamoDbErrorClassifier.isUnreachable(
                SdkClientException.builder().message("x").cause(new SocketException("Connection reset")).build()));
        assertFalse(DynamoDbErrorClassifier.isUnreachable(service(500, "InternalServerError", "x")));
    }
}
