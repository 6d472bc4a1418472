package io.cutover.faults;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The test-only way into a child {@code cutover migrate}: the AWS SDK adds this interceptor to every
 * client it builds in a JVM that has {@code cutover-faults} on its class path (it is listed in
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}, the SDK's global interceptor
 * file). It does nothing unless the JVM was started with the system property {@value #PROPERTY} or the
 * environment variable {@value #ENVIRONMENT} holding a {@link FaultPlan} ({@code rate=0.15;seed=42;faults=...}).
 * Then every DynamoDB and Streams client in that JVM shares one {@link FaultInjectingInterceptor}, and
 * the JVM prints its {@link FaultInjectingInterceptor#summary} to standard error when it exits normally.
 * The production launcher never has this module on its class path (docs/decisions/0060-fault-suite.md).
 */
public final class GlobalFaultInterceptor implements ExecutionInterceptor {
    public static final String PROPERTY = "cutover.test.faults";
    public static final String ENVIRONMENT = "CUTOVER_TEST_FAULTS";
    /** The line prefix of the summary printed at exit, for tests that read a child's log. */
    public static final String SUMMARY_PREFIX = "cutover-faults: ";

    private static final FaultInjectingInterceptor SHARED = fromEnvironment();

    private static FaultInjectingInterceptor fromEnvironment() {
        String spec = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        if (spec == null || spec.isBlank()) {
            return null;
        }
        FaultInjectingInterceptor interceptor = new FaultInjectingInterceptor(FaultPlan.parse(spec));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(SUMMARY_PREFIX + interceptor.summary())));
        return interceptor;
    }

    /** The interceptor this JVM's clients share, or null when no plan was given. */
    public static FaultInjectingInterceptor active() {
        return SHARED;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (SHARED != null) {
            SHARED.beforeExecution(context, attributes);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (SHARED != null) {
            SHARED.afterExecution(context, attributes);
        }
    }
}
