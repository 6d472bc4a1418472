package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@code cutover example heartbeat}: every acknowledged write is in the log, and the tables match the log. */
class HeartbeatExampleIT {
    @TempDir
    Path dir;

    @Test
    void logsEveryAcknowledgedWriteAndTheTablesMatchTheLog() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.startInProcess(); DynamoDbClient client = LocalTables.client(db)) {
            LocalTables.create(client, SampleItems.plainTable("hb-v1"));
            LocalTables.create(client, SampleItems.plainTable("hb-v2"));
            EndpointRegistry registry = new EndpointRegistry(client, "registry").ensureTable();
            registry.register("hb-app", StoreEndpoint.table("hb-v1"), StoreEndpoint.table("hb-v2"), null, null, "test", null);
            registry.change("hb-app", 1, Phase.DUAL_WRITE, "test", "switch", null, false, Map.of(), List.of());
            Path log = dir.resolve("heartbeat.jsonl");
            String url = db.endpoint().toString();
            CliRun run = CliRun.of("example", "heartbeat", "--app", "hb-app", "--registry-table", "registry", "--registry-endpoint-url", url,
                    "--registry-region", LocalDynamoDb.REGION, "--endpoint-url", url, "--region", LocalDynamoDb.REGION, "--interval-ms", "5",
                    "--beats", "25", "--log", log.toString(), "--instance", "hb-1", "--journal-dir", dir.resolve("journal").toString(),
                    "--output", "json");
            assertEquals(0, run.exitCode(), run.all());
            JsonNode result = new ObjectMapper().readTree(run.out());
            assertEquals(50, result.get("acknowledged").asLong());
            List<String> lines = Files.readAllLines(log);
            assertEquals(50, lines.size(), "one line per acknowledged write");
            long increments = 0;
            for (String line : lines) {
                JsonNode n = new ObjectMapper().readTree(line);
                assertEquals("SOURCE", n.get("site").asText());
                assertTrue(n.get("ackedAtMs").asLong() > 0);
                String key = n.get("key").asText();
                if (key.startsWith("counter#")) {
                    increments++;
                    continue;
                }
                for (String table : List.of("hb-v1", "hb-v2")) {
                    Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).consistentRead(true)
                            .key(Map.of("pk", AttributeValue.fromS(key), "sk", AttributeValue.fromS("heartbeat")))).item();
                    assertEquals(n.get("seq").asText(), item.get("seq").n(), key + " in " + table);
                }
            }
            for (String table : List.of("hb-v1", "hb-v2")) {
                Map<String, AttributeValue> counter = client.getItem(b -> b.tableName(table).consistentRead(true)
                        .key(Map.of("pk", AttributeValue.fromS("counter#hb-app"), "sk", AttributeValue.fromS("heartbeat")))).item();
                assertEquals(increments, Long.parseLong(counter.get("n").n()), "the counter in " + table + " equals the logged increments");
            }
        }
    }
}
