package io.cutover.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.faults.FaultPlan.Fault;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/** The interceptor's draws, without a server: rate, seed, and which faults fit which operation. */
class FaultInjectingInterceptorTest {
    private static ExecutionAttributes call(String operation) {
        ExecutionAttributes a = new ExecutionAttributes();
        a.putAttribute(SdkExecutionAttribute.OPERATION_NAME, operation);
        return a;
    }

    /** Runs {@code n} calls of {@code operation}; returns what each did ("ok", "lost" or the exception's simple name). */
    private static List<String> outcomes(FaultInjectingInterceptor i, String operation, int n) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            ExecutionAttributes a = call(operation);
            try {
                i.beforeExecution(null, a);
                try {
                    i.afterExecution(null, a);
                    out.add("ok");
                } catch (RuntimeException lost) {
                    out.add("lost");
                }
            } catch (RuntimeException e) {
                out.add(e.getClass().getSimpleName() + (e instanceof AwsServiceException s ? s.statusCode() : ""));
            }
        }
        return out;
    }

    @Test
    void failsAboutTheRateOfCallsAndTheSameSeedGivesTheSameFaults() {
        FaultInjectingInterceptor a = new FaultInjectingInterceptor(FaultPlan.all(0.2, 11));
        List<String> first = outcomes(a, "PutItem", 5000);
        long failed = first.stream().filter(s -> !s.equals("ok")).count();
        assertTrue(failed > 850 && failed < 1150, "failed " + failed + " of 5000 at rate 0.2");
        assertEquals(failed, a.injectedTotal());
        assertEquals(5000, a.calls());
        assertEquals(first, outcomes(new FaultInjectingInterceptor(FaultPlan.all(0.2, 11)), "PutItem", 5000));
        assertTrue(first.contains("lost") && first.contains("ProvisionedThroughputExceededException400") && first.contains("DynamoDbException503")
                && first.contains("InternalServerErrorException500") && first.contains("ApiCallAttemptTimeoutException"), Set.copyOf(first).toString());
    }

    @Test
    void eachOperationGetsOnlyTheFaultsItsServiceCanAnswer() {
        FaultInjectingInterceptor i = new FaultInjectingInterceptor(FaultPlan.all(1.0, 3));
        List<String> records = outcomes(i, "GetRecords", 400);
        assertTrue(records.contains("LimitExceededException400"), Set.copyOf(records).toString());
        assertTrue(!records.contains("ok") && !records.contains("lost") && !records.contains("ProvisionedThroughputExceededException400"));
        List<String> scan = outcomes(i, "Scan", 400);
        assertTrue(!scan.contains("lost") && !scan.contains("LimitExceededException400") && scan.contains("ProvisionedThroughputExceededException400"));
        assertInstanceOf(LimitExceededException.class, FaultInjectingInterceptor.failure(Fault.LIMIT_EXCEEDED, "GetRecords"));
        assertInstanceOf(ProvisionedThroughputExceededException.class, FaultInjectingInterceptor.failure(Fault.THROTTLE, "PutItem"));
        assertInstanceOf(ApiCallAttemptTimeoutException.class, FaultInjectingInterceptor.failure(Fault.TIMEOUT, "PutItem"));
    }

    @Test
    void callsOutsideThePlansOperationsAreLeftAlone() {
        FaultInjectingInterceptor i = new FaultInjectingInterceptor(new FaultPlan(1.0, 1, Set.of(Fault.SERVER_ERROR), Set.of("BatchWriteItem")));
        assertEquals(List.of("ok", "ok"), outcomes(i, "Scan", 2));
        assertEquals(List.of("InternalServerErrorException500"), outcomes(i, "BatchWriteItem", 1));
        assertEquals(1, i.calls());
    }
}
