package io.cutover.faults;

import io.cutover.faults.FaultPlan.Fault;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/**
 * An AWS SDK interceptor for DynamoDB and DynamoDB Streams clients that fails a seeded random fraction
 * of calls the way the services do: throttles, {@code LimitExceededException}, 500, 503, attempt
 * timeouts, and a response lost after the write landed (the call goes through, then the client sees a
 * read timeout). Faults are drawn per call from one {@link Random} with the plan's seed: the sequence
 * of draws is reproducible, which call gets which draw depends on thread timing.
 *
 * <p>Thread-safe: the SDK calls it from any thread that makes a call. For tests only.
 */
public final class FaultInjectingInterceptor implements ExecutionInterceptor {
    private static final ExecutionAttribute<Boolean> LOSE_RESPONSE = new ExecutionAttribute<>("cutover.faults.loseResponse");
    private static final Set<String> STREAMS_OPERATIONS = Set.of("GetRecords", "GetShardIterator", "DescribeStream", "ListStreams");
    private static final Set<String> WRITES = Set.of("PutItem", "DeleteItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems");

    private final FaultPlan plan;
    private final Random random;
    private final AtomicLong calls = new AtomicLong();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);

    public FaultInjectingInterceptor(FaultPlan plan) {
        this.plan = plan;
        this.random = new Random(plan.seed());
        for (Fault f : Fault.values()) {
            injected.put(f, new AtomicLong());
        }
    }

    public FaultPlan plan() {
        return plan;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (operation == null || !plan.appliesTo(operation)) {
            return;
        }
        calls.incrementAndGet();
        Fault fault = draw(operation);
        if (fault == null) {
            return;
        }
        injected.get(fault).incrementAndGet();
        if (fault == Fault.LOST_RESPONSE) {
            attributes.putAttribute(LOSE_RESPONSE, Boolean.TRUE);
            return;
        }
        throw failure(fault, operation);
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (Boolean.TRUE.equals(attributes.getAttribute(LOSE_RESPONSE))) {
            throw SdkClientException.builder().message("injected: the response was lost after the write landed")
                    .cause(new SocketTimeoutException("Read timed out (injected)")).build();
        }
    }

    /** A fault that fits the operation, on {@code rate} of the calls; null for the others. */
    private Fault draw(String operation) {
        List<Fault> fitting = new ArrayList<>();
        boolean streams = STREAMS_OPERATIONS.contains(operation);
        for (Fault f : Fault.values()) {
            boolean fits = switch (f) {
                case THROTTLE -> !streams;
                case LIMIT_EXCEEDED -> streams;
                case LOST_RESPONSE -> WRITES.contains(operation);
                default -> true;
            };
            if (fits && plan.faults().contains(f)) {
                fitting.add(f);
            }
        }
        synchronized (random) {
            if (fitting.isEmpty() || random.nextDouble() >= plan.rate()) {
                return null;
            }
            return fitting.get(random.nextInt(fitting.size()));
        }
    }

    static RuntimeException failure(Fault fault, String operation) {
        String message = "injected " + fault.flag() + " on " + operation;
        return switch (fault) {
            case THROTTLE -> ProvisionedThroughputExceededException.builder().statusCode(400).message(message)
                    .awsErrorDetails(details("ProvisionedThroughputExceededException", message)).build();
            case LIMIT_EXCEEDED -> LimitExceededException.builder().statusCode(400).message(message)
                    .awsErrorDetails(details("LimitExceededException", message)).build();
            case SERVER_ERROR -> InternalServerErrorException.builder().statusCode(500).message(message)
                    .awsErrorDetails(details("InternalServerError", message)).build();
            case SERVICE_UNAVAILABLE -> DynamoDbException.builder().statusCode(503).message(message)
                    .awsErrorDetails(details("ServiceUnavailable", message)).build();
            case TIMEOUT -> ApiCallAttemptTimeoutException.builder().message(message).build();
            case LOST_RESPONSE -> throw new IllegalArgumentException("a lost response is injected after the call");
        };
    }

    private static AwsErrorDetails details(String code, String message) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("DynamoDb").build();
    }

    /** Calls the plan applied to so far. */
    public long calls() {
        return calls.get();
    }

    /** Faults injected so far, by kind. */
    public Map<Fault, Long> injected() {
        Map<Fault, Long> out = new EnumMap<>(Fault.class);
        injected.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long injectedTotal() {
        return injected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** One line for logs and test output: {@code injected 31 of 200 calls {THROTTLE=6, ...} plan ...}. */
    public String summary() {
        return "injected " + injectedTotal() + " of " + calls() + " calls " + injected() + " plan " + plan.encode();
    }
}
