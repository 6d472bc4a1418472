package io.cutover.dynamodb;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Where one side of a migration lives: an optional endpoint URL (DynamoDB Local, a VPC endpoint), a
 * region, and a credentials profile. Empty values fall back to the AWS default chains. Immutable;
 * {@link #toString()} never includes credentials (it has none to include: profiles are names).
 *
 * @param role "source" or "target", used in every message so the user knows which side is wrong
 */
public record DynamoDbEndpoint(String role, Optional<URI> endpointUrl, Optional<String> region, Optional<String> profile) {

    public DynamoDbEndpoint {
        endpointUrl = endpointUrl == null ? Optional.empty() : endpointUrl;
        region = region == null ? Optional.empty() : region.filter(r -> !r.isBlank());
        profile = profile == null ? Optional.empty() : profile.filter(p -> !p.isBlank());
    }

    public static DynamoDbEndpoint local(String role, URI endpoint) {
        return new DynamoDbEndpoint(role, Optional.of(endpoint), Optional.of("us-east-1"), Optional.empty());
    }

    /** True when the endpoint is on this machine (DynamoDB Local), where any credentials will do. */
    public boolean isLoopback() {
        return endpointUrl.map(u -> {
            String host = u.getHost();
            if (host == null) {
                return false;
            }
            if (host.equals("localhost")) {
                return true;
            }
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }).orElse(false);
    }

    /** How to name this place in a message: the endpoint URL, else the region, else "the default AWS region". */
    public String describe() {
        return endpointUrl.map(URI::toString).orElse(region.map(r -> "region " + r).orElse("the default AWS region"));
    }

    /** The flag that sets the endpoint for this role. */
    public String flag(String what) {
        return "--" + role + "-" + what;
    }
}
