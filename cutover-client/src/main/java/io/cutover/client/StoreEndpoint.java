package io.cutover.client;

/**
 * Where one side of a migration lives, as the registry records it for the applications: a table
 * name, and optionally an endpoint URL and region (absent means the SDK's defaults). No credentials:
 * each application brings its own.
 */
public record StoreEndpoint(String table, String endpointUrl, String region) {
    public StoreEndpoint {
        if (table == null || table.isBlank()) {
            throw new IllegalArgumentException("a store endpoint needs a table name");
        }
    }

    public static StoreEndpoint table(String table) {
        return new StoreEndpoint(table, null, null);
    }

    public String describe() {
        return table + (endpointUrl != null ? " at " + endpointUrl : "") + (region != null ? " in " + region : "");
    }
}
