package io.cutover.spark;

import io.cutover.dynamodb.DynamoDbEndpoint;
import java.io.Serializable;
import java.net.URI;
import java.util.Optional;

/**
 * One side's {@link DynamoDbEndpoint} in a form Spark can ship to executors (the endpoint record holds
 * {@code Optional}s, which are not serializable). Names only: credentials come from each executor's own
 * chain (an instance role, a profile on the node), never from the driver.
 *
 * @param endpointUrl null for the AWS endpoint of the region
 * @param region      null for the executor's default region chain
 * @param profile     null for the default credentials chain
 */
public record SparkEndpoint(String role, String endpointUrl, String region, String profile) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static SparkEndpoint of(DynamoDbEndpoint e) {
        return new SparkEndpoint(e.role(), e.endpointUrl().map(URI::toString).orElse(null), e.region().orElse(null),
                e.profile().orElse(null));
    }

    public DynamoDbEndpoint toEndpoint() {
        return new DynamoDbEndpoint(role, Optional.ofNullable(endpointUrl).map(URI::create), Optional.ofNullable(region),
                Optional.ofNullable(profile));
    }
}
