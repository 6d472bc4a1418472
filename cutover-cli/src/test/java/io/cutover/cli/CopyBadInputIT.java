package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Every kind of bad input gets a one-line error naming the problem and the fix, and the documented exit code. */
class CopyBadInputIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;
    static String source;

    @TempDir
    Path state;

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
        source = LocalTables.uniqueName("cli-src");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.load(client, source, 20, new SampleItems(1, 0, false)::item);
    }

    private String url() {
        return db.endpoint().toString();
    }

    @Test
    void missingSourceTableNamesTheTableAndTheFlag() {
        CliRun run = CliRun.of("copy", "--endpoint-url", url(), "--source-table", "no-such-table", "--target-table", "t-copy",
                "--state-dir", state.toString());
        assertEquals(3, run.exitCode(), run.all());
        assertTrue(run.err().contains("source table 'no-such-table' not found at " + url()), run.err());
        assertTrue(run.err().contains("check --source-table") && run.err().contains(source), "lists the tables that exist: " + run.err());
    }

    @Test
    void unreachableEndpointNamesTheEndpointAndTheFlag() {
        CliRun run = CliRun.of("copy", "--source-endpoint-url", "http://127.0.0.1:1", "--target-endpoint-url", url(),
                "--source-table", source, "--state-dir", state.toString());
        assertEquals(3, run.exitCode(), run.all());
        assertTrue(run.err().contains("cannot reach the source endpoint http://127.0.0.1:1"), run.err());
        assertTrue(run.err().contains("--source-endpoint-url"), run.err());
    }

    @Test
    void missingCredentialsNameTheProfileFlagAndSecretsAreNeverPrinted() throws Exception {
        Path credentials = Files.writeString(state.resolve("credentials"),
                "[leaky]\naws_access_key_id = AKIALEAKYLEAKY\naws_secret_access_key = SuperSecretValue123\n");
        Path config = Files.writeString(state.resolve("config"), "");
        String oldCreds = System.getProperty("aws.sharedCredentialsFile");
        String oldConfig = System.getProperty("aws.configFile");
        System.setProperty("aws.sharedCredentialsFile", credentials.toString());
        System.setProperty("aws.configFile", config.toString());
        try {
            CliRun missing = CliRun.of("copy", "--endpoint-url", url(), "--source-profile", "nosuch", "--source-table", source,
                    "--state-dir", state.resolve("a").toString());
            assertEquals(3, missing.exitCode(), missing.all());
            assertTrue(missing.err().contains("credentials") && missing.err().contains("--source-profile"), missing.err());

            CliRun leaky = CliRun.of("copy", "--endpoint-url", url(), "--source-profile", "leaky", "--target-profile", "leaky",
                    "--source-table", source, "--target-table", source + "-leak", "--state-dir", state.resolve("b").toString(),
                    "--no-progress");
            assertEquals(0, leaky.exitCode(), leaky.all());
            assertFalse(leaky.all().contains("SuperSecretValue123"), "a secret was printed");
        } finally {
            restore("aws.sharedCredentialsFile", oldCreds);
            restore("aws.configFile", oldConfig);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void incompatibleTargetIsRefusedWithBothKeySchemas() {
        String wrong = LocalTables.uniqueName("cli-wrong");
        LocalTables.create(client, CreateTableRequest.builder().tableName(wrong)
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.N))
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)).billingMode(BillingMode.PAY_PER_REQUEST).build());
        CliRun run = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--target-table", wrong,
                "--state-dir", state.toString());
        assertEquals(3, run.exitCode(), run.all());
        assertTrue(run.err().contains("exists with keys (id HASH N) but the source has (pk HASH S, sk RANGE S)"), run.err());
        assertEquals(0, client.scan(b -> b.tableName(wrong)).count());
    }

    @Test
    void badValuesAreAllReportedTogetherWithTheirFlags() {
        CliRun run = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--segments", "0", "--parallelism", "-1",
                "--write-capacity-percent", "150", "--schema-only", "--data-only", "--state-dir", state.toString());
        assertEquals(2, run.exitCode(), run.all());
        for (String flag : new String[] {"--segments", "--parallelism", "--write-capacity-percent", "--schema-only and --data-only"}) {
            assertTrue(run.err().contains(flag), "expected " + flag + " in: " + run.err());
        }
    }

    @Test
    void unknownFlagsAndMalformedValuesAreUsageErrors() {
        CliRun unknown = CliRun.of("copy", "--source-table", source, "--bogus");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("Unknown option: '--bogus'") && unknown.err().contains("--help"), unknown.err());

        CliRun url = CliRun.of("copy", "--endpoint-url", "localhost:8000", "--source-table", source, "--state-dir", state.toString());
        assertEquals(2, url.exitCode());
        assertTrue(url.err().contains("--source-endpoint-url (or --endpoint-url): 'localhost:8000' is not an endpoint URL"), url.err());

        CliRun map = CliRun.of("copy", "--endpoint-url", url(), "--table-map", "justonename", "--state-dir", state.toString());
        assertEquals(2, map.exitCode());
        assertTrue(map.err().contains("--table-map 'justonename' must look like SRC=DST"), map.err());

        CliRun none = CliRun.of("copy", "--endpoint-url", url(), "--state-dir", state.toString());
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("no tables to copy"), none.err());
    }

    @Test
    void aStateDirectoryHoldingAnotherJobIsRefused() {
        CliRun first = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--target-table", source + "-s1",
                "--state-dir", state.toString(), "--no-progress");
        assertEquals(0, first.exitCode(), first.all());
        CliRun other = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--target-table", source + "-s2",
                "--state-dir", state.toString(), "--no-progress");
        assertEquals(2, other.exitCode(), other.all());
        assertTrue(other.err().contains("holds another job") && other.err().contains("--restart"), other.err());
        assertFalse(client.listTables().tableNames().contains(source + "-s2"));
    }

    @Test
    void jsonOutputCarriesTheErrorCodeAndDryRunPrintsAPlanWithoutChanges() throws Exception {
        ObjectMapper json = new ObjectMapper();
        CliRun error = CliRun.of("copy", "--endpoint-url", url(), "--source-table", "no-such-table", "--target-table", "t-copy",
                "--state-dir", state.toString(), "--output", "json");
        assertEquals(3, error.exitCode());
        JsonNode e = json.readTree(error.out()).get("error");
        assertEquals("TABLE_NOT_FOUND", e.get("code").asText());
        assertEquals(3, e.get("exitCode").asInt());

        CliRun plan = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--target-table", source + "-planned",
                "--state-dir", state.toString(), "--dry-run", "--output", "json");
        assertEquals(0, plan.exitCode(), plan.all());
        JsonNode p = json.readTree(plan.out());
        assertTrue(p.get("ok").asBoolean());
        assertEquals("create", p.get("tables").get(0).get("targetAction").asText());
        assertEquals(20, p.get("tables").get(0).get("estimatedItems").asLong());
        assertFalse(client.listTables().tableNames().contains(source + "-planned"), "a dry run must not create the target");
        assertFalse(Files.exists(state.resolve("job.json")), "a dry run must not write state");
    }

    @Test
    void copyingATableOntoItselfOrTwoTablesIntoOneIsRefused() {
        CliRun self = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--state-dir", state.toString());
        assertEquals(2, self.exitCode(), self.all());
        assertTrue(self.err().contains("would be copied onto itself"), self.err());

        CliRun twoIntoOne = CliRun.of("copy", "--endpoint-url", url(), "--table-map", source + "=shared-target",
                "--table-map", source.replace("src", "zzz") + "=shared-target", "--state-dir", state.toString());
        assertEquals(2, twoIntoOne.exitCode(), twoIntoOne.all());
        assertTrue(twoIntoOne.err().contains("two source tables would be copied into target 'shared-target'"), twoIntoOne.err());
    }

    @Test
    void resumingWithAnotherSegmentCountIsRefused() {
        CliRun first = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--target-table", source + "-seg",
                "--segments", "4", "--state-dir", state.toString(), "--no-progress");
        assertEquals(0, first.exitCode(), first.all());
        CliRun other = CliRun.of("copy", "--endpoint-url", url(), "--source-table", source, "--target-table", source + "-seg",
                "--segments", "8", "--state-dir", state.toString(), "--no-progress");
        assertEquals(2, other.exitCode(), other.all());
        assertTrue(other.err().contains("--segments 8 differs from the 4 segments"), other.err());
    }
}
