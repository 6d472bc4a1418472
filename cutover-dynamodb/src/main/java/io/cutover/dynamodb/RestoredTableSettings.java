package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Puts back on a table made by DynamoDB's RestoreTableToPointInTime what such a restore leaves out (decision 0171): the
 * stream specification, TTL, tags, deletion protection, and Application Auto Scaling's scalable targets and policies of
 * the table and its GSIs, all read from the source table. Each setting is its own call, retried by the
 * {@link RetryPolicy}; one the endpoint refuses outright (DynamoDB Local has no tagging and no autoscaling) becomes a
 * warning naming it, and the others are still applied.
 *
 * <p>Threading: one caller at a time; {@link #apply} blocks until the table is ACTIVE again after each change.
 */
public final class RestoredTableSettings {
    private static final Logger LOG = LoggerFactory.getLogger(RestoredTableSettings.class);

    /** What the source table has that a native restore drops. */
    public record Source(SourceTable table, List<ScalableTarget> scalableTargets, List<ScalingPolicy> scalingPolicies) {
        public Source {
            Objects.requireNonNull(table, "table");
            scalableTargets = List.copyOf(scalableTargets);
            scalingPolicies = List.copyOf(scalingPolicies);
        }
    }

    /** What was put back ({@code applied}: one line a setting) and what could not be ({@code warnings}). */
    public record Result(String table, List<String> applied, List<String> warnings) {
        public Result {
            applied = List.copyOf(applied);
            warnings = List.copyOf(warnings);
        }
    }

    private final DynamoDbClient dynamoDb;
    private final ApplicationAutoScalingClient autoScaling;
    private final DynamoDbEndpoint endpoint;
    private final RetryPolicy retry;
    private final ErrorClassifier errors;

    public RestoredTableSettings(DynamoDbClient dynamoDb, ApplicationAutoScalingClient autoScaling, DynamoDbEndpoint endpoint, RetryPolicy retry) {
        this.dynamoDb = dynamoDb;
        this.autoScaling = autoScaling;
        this.endpoint = endpoint;
        this.retry = retry;
        this.errors = new DynamoDbErrorClassifier(endpoint);
    }

    /** Reads the source's definition, TTL, tags and autoscaling (autoscaling refused by the endpoint: a warning, none read). */
    public Source read(String sourceTable) {
        SourceTable table = new DynamoDbTableDefinitions(dynamoDb, endpoint, retry).read(sourceTable);
        List<String> warnings = new ArrayList<>(table.warnings());
        List<String> resources = new ArrayList<>();
        resources.add("table/" + sourceTable);
        table.description().globalSecondaryIndexes().forEach(g -> resources.add("table/" + sourceTable + "/index/" + g.indexName()));
        List<ScalableTarget> targets = List.of();
        List<ScalingPolicy> policies = List.of();
        try {
            targets = retry.execute("DescribeScalableTargets " + sourceTable, a -> autoScaling.describeScalableTargetsPaginator(b -> b
                    .serviceNamespace(ServiceNamespace.DYNAMODB).resourceIds(resources)).scalableTargets().stream().toList(), errors,
                    RetryListener.NONE);
            policies = retry.execute("DescribeScalingPolicies " + sourceTable, a -> resources.stream().flatMap(r -> autoScaling
                    .describeScalingPoliciesPaginator(b -> b.serviceNamespace(ServiceNamespace.DYNAMODB).resourceId(r)).scalingPolicies()
                    .stream()).toList(), errors, RetryListener.NONE);
        } catch (CutoverException e) {
            if (e.retryable()) {
                throw e;
            }
            warnings.add("autoscaling of " + sourceTable + " not read (" + e.getMessage() + "); not re-applied"
                    + (endpoint.isLoopback() ? " (DynamoDB Local has no Application Auto Scaling)" : ""));
        }
        return new Source(new SourceTable(table.description(), table.ttlAttribute(), table.tags(), warnings), targets, policies);
    }

    /** Puts the source's settings on {@code target}, which a native restore has just made. */
    public Result apply(Source source, String target) {
        TableDescription s = source.table().description();
        DynamoDbTableDefinitions tables = new DynamoDbTableDefinitions(dynamoDb, endpoint, retry);
        List<String> applied = new ArrayList<>();
        List<String> warnings = new ArrayList<>(source.table().warnings());
        // what the table already has (a rerun after a stop) is not set again: DynamoDB refuses to enable a stream or TTL twice
        TableDescription now = tables.describe(target).orElseThrow(() -> new CutoverException(io.cutover.core.ErrorCode.TABLE_NOT_FOUND,
                "restored table " + target + " not found"));
        StreamSpecification stream = s.streamSpecification();
        boolean hasStream = now.streamSpecification() != null && Boolean.TRUE.equals(now.streamSpecification().streamEnabled());
        if (stream != null && Boolean.TRUE.equals(stream.streamEnabled()) && !hasStream) {
            attempt("stream " + stream.streamViewTypeAsString(), applied, warnings, () -> {
                retry.execute("UpdateTable " + target, a -> dynamoDb.updateTable(b -> b.tableName(target).streamSpecification(stream)), errors,
                        RetryListener.NONE);
                tables.awaitActive(target);
            });
        }
        source.table().ttlAttribute().filter(attr -> !ttlEnabled(target)).ifPresent(attr -> attempt("TTL on " + attr, applied, warnings, () -> retry.execute(
                "UpdateTimeToLive " + target, a -> dynamoDb.updateTimeToLive(b -> b.tableName(target)
                        .timeToLiveSpecification(t -> t.attributeName(attr).enabled(true))), errors, RetryListener.NONE)));
        if (Boolean.TRUE.equals(s.deletionProtectionEnabled()) && !Boolean.TRUE.equals(now.deletionProtectionEnabled())) {
            attempt("deletion protection", applied, warnings, () -> {
                retry.execute("UpdateTable " + target, a -> dynamoDb.updateTable(b -> b.tableName(target).deletionProtectionEnabled(true)),
                        errors, RetryListener.NONE);
                tables.awaitActive(target);
            });
        }
        if (!source.table().tags().isEmpty()) {
            attempt(source.table().tags().size() + " tags", applied, warnings, () -> {
                String arn = tables.describe(target).map(TableDescription::tableArn).orElseThrow();
                retry.execute("TagResource " + target, a -> dynamoDb.tagResource(b -> b.resourceArn(arn).tags(source.table().tags())),
                        errors, RetryListener.NONE);
            });
        }
        String from = "table/" + s.tableName();
        for (ScalableTarget t : source.scalableTargets()) {
            String resource = renamed(t.resourceId(), from, target);
            attempt("scalable target " + resource + " " + t.scalableDimensionAsString() + " " + t.minCapacity() + "-" + t.maxCapacity(),
                    applied, warnings, () -> retry.execute("RegisterScalableTarget " + resource, a -> autoScaling.registerScalableTarget(b -> b
                            .serviceNamespace(ServiceNamespace.DYNAMODB).resourceId(resource).scalableDimension(t.scalableDimension())
                            .minCapacity(t.minCapacity()).maxCapacity(t.maxCapacity())), errors, RetryListener.NONE));
        }
        for (ScalingPolicy p : source.scalingPolicies()) {
            String resource = renamed(p.resourceId(), from, target);
            attempt("scaling policy " + p.policyName() + " on " + resource, applied, warnings, () -> retry.execute("PutScalingPolicy "
                    + resource, a -> autoScaling.putScalingPolicy(b -> b.policyName(p.policyName()).serviceNamespace(ServiceNamespace.DYNAMODB)
                    .resourceId(resource).scalableDimension(p.scalableDimension()).policyType(p.policyType())
                    .targetTrackingScalingPolicyConfiguration(p.targetTrackingScalingPolicyConfiguration())
                    .stepScalingPolicyConfiguration(p.stepScalingPolicyConfiguration())), errors, RetryListener.NONE));
        }
        return new Result(target, applied, warnings);
    }

    private boolean ttlEnabled(String table) {
        var d = retry.execute("DescribeTimeToLive " + table, a -> dynamoDb.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription(),
                errors, RetryListener.NONE);
        return d != null && ("ENABLED".equals(d.timeToLiveStatusAsString()) || "ENABLING".equals(d.timeToLiveStatusAsString()));
    }

    /** {@code table/src} or {@code table/src/index/i}, for the restored table. */
    static String renamed(String resourceId, String sourceResource, String target) {
        return resourceId.equals(sourceResource) || resourceId.startsWith(sourceResource + "/")
                ? "table/" + target + resourceId.substring(sourceResource.length()) : resourceId;
    }

    /** Applies one setting; a refusal that retrying cannot cure is a warning, so that the other settings still go on. */
    private void attempt(String what, List<String> applied, List<String> warnings, Runnable call) {
        try {
            call.run();
            applied.add(what);
        } catch (CutoverException e) {
            if (e.retryable() || e.code() == io.cutover.core.ErrorCode.INTERRUPTED) {
                throw e;
            }
            String warning = what + " not re-applied: " + e.getMessage() + (endpoint.isLoopback()
                    ? " (DynamoDB Local does not support tagging or Application Auto Scaling)" : "");
            LOG.warn(warning);
            warnings.add(warning);
        }
    }
}
