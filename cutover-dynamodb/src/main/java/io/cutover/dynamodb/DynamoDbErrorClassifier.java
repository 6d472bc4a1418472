package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.retry.ErrorClassifier;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Maps SDK failures to {@link ErrorCode}s: throttling and 5xx and dropped connections may be
 * retried; credentials, validation and missing tables may not. Messages name the side (source or
 * target) and the fix. Stateless.
 */
public final class DynamoDbErrorClassifier implements ErrorClassifier {
    private static final Set<String> CREDENTIAL_CODES = Set.of("UnrecognizedClientException", "InvalidSignatureException",
            "AccessDeniedException", "ExpiredTokenException", "MissingAuthenticationTokenException",
            "IncompleteSignatureException", "InvalidClientTokenId", "SignatureDoesNotMatch");
    /** LimitExceededException is the Streams API's rate limit (HTTP 400): wait and try again, like any throttle. */
    private static final Set<String> THROTTLE_CODES = Set.of("ProvisionedThroughputExceededException", "ThrottlingException",
            "RequestLimitExceeded", "Throttling", "TooManyRequestsException", "LimitExceededException");
    /** Another writer's transaction held the item for a moment: the same write succeeds once it is done. */
    private static final Set<String> TRANSIENT_CODES = Set.of("TransactionConflictException", "TransactionInProgressException");

    private final DynamoDbEndpoint endpoint;

    public DynamoDbErrorClassifier(DynamoDbEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public CutoverException classify(Throwable failure) {
        if (failure instanceof CutoverException ce) {
            return ce;
        }
        String side = endpoint.role();
        if (failure instanceof ResourceNotFoundException e) {
            return new CutoverException(ErrorCode.TABLE_NOT_FOUND, side + " table not found at " + endpoint.describe()
                    + ": " + message(e), e);
        }
        if (failure instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
            if (e.isThrottlingException() || THROTTLE_CODES.contains(code)) {
                return new CutoverException(ErrorCode.THROTTLED, side + " throttled: " + code, e);
            }
            if (CREDENTIAL_CODES.contains(code) || e.statusCode() == 403) {
                return new CutoverException(ErrorCode.CREDENTIALS, side + " refused the credentials (" + code + "): check "
                        + endpoint.flag("profile") + " or the AWS credentials in the environment", e);
            }
            if (e.statusCode() >= 500 || TRANSIENT_CODES.contains(code)) {
                return new CutoverException(ErrorCode.TRANSIENT, side + " service error " + e.statusCode() + " " + code + ": retried", e);
            }
            return new CutoverException(ErrorCode.REJECTED, side + " rejected the request (" + code + "): " + message(e), e);
        }
        if (failure instanceof SdkClientException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Unable to load credentials") || msg.contains("credentials") && msg.contains("profile")) {
                return new CutoverException(ErrorCode.CREDENTIALS, "no AWS credentials for the " + side + ": pass "
                        + endpoint.flag("profile") + " NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", e);
            }
            if (hasCause(e, UnknownHostException.class)) {
                return new CutoverException(ErrorCode.ENDPOINT_UNREACHABLE, "cannot resolve the " + side + " endpoint "
                        + endpoint.describe() + ": check " + endpoint.flag("endpoint-url") + " and " + endpoint.flag("region"), e);
            }
            // A dropped or refused connection may be a blip during a long copy; the preflight check
            // turns a refusal at the start into ENDPOINT_UNREACHABLE.
            return new CutoverException(ErrorCode.TRANSIENT, side + " connection problem: " + rootMessage(e), e);
        }
        return new CutoverException(ErrorCode.INTERNAL, side + ": unexpected " + failure, failure);
    }

    /** True when the failure means nothing listens at the endpoint. */
    public static boolean isUnreachable(Throwable t) {
        if (hasCause(t, ConnectException.class) || hasCause(t, NoRouteToHostException.class) || hasCause(t, UnknownHostException.class)) {
            return true;
        }
        // A connect timeout (nothing answers at that address) is as final as a refusal at the start.
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getClass().getSimpleName().equals("ConnectTimeoutException")
                    || c instanceof java.net.SocketTimeoutException && String.valueOf(c.getMessage()).contains("connect timed out")) {
                return true;
            }
        }
        return false;
    }

    static String message(AwsServiceException e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                ? e.awsErrorDetails().errorMessage() : String.valueOf(e.getMessage());
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
