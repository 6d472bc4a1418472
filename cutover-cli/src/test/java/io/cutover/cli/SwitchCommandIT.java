package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover registry}, {@code switch} and {@code rollback} as an operator uses them, with gates fed by a real
 * {@code cutover migrate} and real {@code cutover verify} runs: exit 0 switched, 5 refused, 4 conflict, 2 bad usage.
 */
class SwitchCommandIT {
    @TempDir
    Path state;

    private String endpoint;

    @Test
    void gatesFromARealMigrationAndVerifyDecideTheSwitchAndEveryChangeIsAudited() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.startInProcess(); DynamoDbClient client = LocalTables.client(db)) {
            String url = db.endpoint().toString();
            endpoint = url;
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable("shop")));
            LocalTables.load(client, "shop", 200, new SampleItems(3, 50)::item);
            String migrateDir = state.resolve("migrate").toString();
            String verifyDir = state.resolve("verify").toString();
            CliRun migrated = CliRun.of("migrate", "--endpoint-url", url, "--source-table", "shop", "--target-table", "shop-v2",
                    "--state-dir", migrateDir, "--until", "in-sync", "--no-progress");
            assertEquals(0, migrated.exitCode(), migrated.all());
            CliRun verified = CliRun.of("verify", "--endpoint-url", url, "--source-table", "shop", "--target-table", "shop-v2",
                    "--state-dir", verifyDir, "--no-progress");
            assertEquals(0, verified.exitCode(), verified.all());

            CliRun registered = registry("registry", "register", "--app", "shop", "--source-table", "shop", "--target-table", "shop-v2",
                    "--state-dir", migrateDir, "--verify-state-dir", verifyDir, "--reason", "ticket 1");
            assertEquals(0, registered.exitCode(), registered.all());
            assertTrue(registered.out().startsWith("shop: SOURCE_ONLY (active site SOURCE), version 1"), registered.out());
            CliRun twice = registry("registry", "register", "--app", "shop", "--source-table", "a", "--target-table", "b");
            assertEquals(4, twice.exitCode(), twice.all());

            CliRun switched = registry("switch", "--app", "shop", "--reason", "all green", "--max-status-age", "600");
            assertEquals(0, switched.exitCode(), switched.all());
            assertTrue(switched.out().startsWith("shop: SOURCE_ONLY -> DUAL_WRITE (version 2)"), switched.out());
            assertTrue(switched.out().contains("ok   verify        identical"), switched.out());

            client.putItem(b -> b.tableName("shop-v2").item(new SampleItems(3, 50).item(5000)));
            assertEquals(1, CliRun.of("verify", "--endpoint-url", url, "--source-table", "shop", "--target-table", "shop-v2",
                    "--state-dir", verifyDir, "--no-progress").exitCode());
            CliRun refused = registry("switch", "--app", "shop", "--max-status-age", "600");
            assertEquals(5, refused.exitCode(), refused.all());
            assertTrue(refused.err().contains("refused: verify FAIL 0 missing, 1 extra, 0 different"), refused.err());
            CliRun skipping = registry("switch", "--app", "shop", "--to", "TARGET_ONLY");
            assertEquals(2, skipping.exitCode(), skipping.all());
            CliRun forced = registry("switch", "--app", "shop", "--force", "--reason", "extra item is a test row", "--max-status-age", "600");
            assertEquals(0, forced.exitCode(), forced.all());
            assertTrue(forced.out().contains("FORCED past failed gates"), forced.out());

            assertTrue(forced.out().contains("FAIL reverse-capture"), forced.out());
            CliRun staleFailback = registry("failback", "--app", "shop", "--from", "TARGET_ONLY");
            assertEquals(4, staleFailback.exitCode(), staleFailback.all());
            assertTrue(staleFailback.err().contains("is at DUAL_WRITE_TARGET_READS"), staleFailback.err());
            CliRun noReverse = registry("failback", "--app", "shop", "--from", "DUAL_WRITE_TARGET_READS", "--max-status-age", "600");
            assertEquals(5, noReverse.exitCode(), noReverse.all());
            assertTrue(noReverse.err().contains("failback of 'shop' from DUAL_WRITE_TARGET_READS to DUAL_WRITE refused: reverse-migration FAIL"),
                    noReverse.err());
            CliRun stale = registry("rollback", "--app", "shop", "--from", "DUAL_WRITE", "--reason", "stale screen");
            assertEquals(4, stale.exitCode(), stale.all());
            assertTrue(stale.err().contains("is at DUAL_WRITE_TARGET_READS"), stale.err());
            CliRun back = registry("rollback", "--app", "shop", "--from", "DUAL_WRITE_TARGET_READS", "--reason", "changed my mind");
            assertEquals(0, back.exitCode(), back.all());
            assertTrue(back.out().startsWith("shop: DUAL_WRITE_TARGET_READS -> DUAL_WRITE (version 6)"), back.out());

            CliRun history = registry("registry", "history", "--app", "shop", "--output", "json");
            assertEquals(0, history.exitCode(), history.all());
            JsonNode h = new ObjectMapper().readTree(history.out());
            // each move of the site of record is fenced first (decision 0101): its fence is a record of its own
            assertEquals(6, h.size());
            assertEquals("register", h.get(0).get("action").asText());
            assertEquals("switch-fence", h.get(2).get("action").asText());
            assertEquals("rollback-fence", h.get(4).get("action").asText());
            assertEquals("all green", h.get(1).get("reason").asText());
            assertTrue(h.get(1).get("gates").get("lag").asText().startsWith("PASS"), h.get(1).toString());
            assertTrue(h.get(3).get("forced").asBoolean());
            assertTrue(h.get(3).get("gates").get("verify").asText().startsWith("FAIL"), h.get(3).toString());
            assertTrue(h.get(3).get("gates").get("handover").asText().startsWith("PASS"), h.get(3).toString());
            assertEquals("rollback", h.get(5).get("action").asText());
            assertTrue(h.get(5).get("by").asText().contains("@"), "who: user@host");

            CliRun text = registry("registry", "history", "--app", "shop");
            assertTrue(text.out().contains("FORCED"), text.out());
            CliRun unknown = registry("switch", "--app", "nobody");
            assertEquals(2, unknown.exitCode(), unknown.all());
            assertTrue(unknown.err().contains("no application 'nobody'"), unknown.err());
        }
    }

    private CliRun registry(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--registry-endpoint-url", endpoint, "--registry-table", "registry"));
        return CliRun.of(all.toArray(String[]::new));
    }

}
