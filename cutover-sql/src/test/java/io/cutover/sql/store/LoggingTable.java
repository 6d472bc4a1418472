package io.cutover.sql.store;

import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.SqlValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The logging example's table with the two version columns, and its items as an application writes them. */
final class LoggingTable {
    static final Mapping MAPPING = Mapping.fromYaml(IntegrationLogs.resource("mapping.yaml"), "mapping.yaml");
    static final Instant DAY = Instant.parse("2026-11-02T08:00:00Z");

    private LoggingTable() {
    }

    /** Creates integration_logs (REPLICA IDENTITY FULL) with cutover_v and cutover_v_deleted in {@code database}. */
    static void create(EmbeddedPostgresServer pg, String database) throws Exception {
        for (String sql : IntegrationLogs.resource("schema.sql").replaceAll("(?m)^--.*$", "").split(";")) {
            if (!sql.isBlank()) {
                pg.execute(database, sql);
            }
        }
        pg.execute(database, "ALTER TABLE integration_logs ADD COLUMN cutover_v text COLLATE \"C\", ADD COLUMN cutover_v_deleted boolean");
    }

    /** The item of log {@code id}, as the mapping makes it (keys, index keys, TTL, attributes). */
    static Map<String, AttributeValue> item(SqlStore store, long id, String service, String message, long durationMillis) {
        Map<String, Object> row = new LinkedHashMap<>();
        store.mapper().schema().columns().keySet().forEach(c -> row.put(c, null));
        row.put("log_id", id);
        row.put("service_name", service);
        row.put("application_id", "app-" + (id % 7));
        row.put("correlation_id", new java.util.UUID(id, 42).toString());
        row.put("is_success", id % 5 != 0);
        row.put("log_timestamp", DAY.plusSeconds(id * 61));
        row.put("http_status", id % 5 != 0 ? 200L : 503L);
        row.put("duration_ms", BigDecimal.valueOf(durationMillis));
        row.put("message", message);
        row.put("payload", new SqlValues.Json("{\"request\": {\"path\": \"/v1/items/" + id + "\"}, \"flags\": [true, null]}"));
        row.put("tags", List.of("env:prod", "id:" + id));
        return new TreeMap<>(store.mapper().item(row));
    }

    static Map<String, AttributeValue> key(SqlStore store, Map<String, AttributeValue> item) {
        return store.keyOf(item);
    }
}
