package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@code cutover verify} as a script sees it: exit 0 identical, 1 different, 2 error; JSON fields missing/extra/different. */
class VerifyCommandIT {
    @TempDir
    Path state;

    @Test
    void exitCodesAndJsonFieldsFollowTheContract() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        String src = LocalTables.uniqueName("vcli");
        String dst = src + "-copy";
        SampleItems sample = new SampleItems(17, 0);
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 1_000, sample::item);
        String url = db.endpoint().toString();
        assertEquals(0, CliRun.of("copy", "--endpoint-url", url, "--source-table", src, "--target-table", dst,
                "--state-dir", state.resolve("copy").toString(), "--no-progress").exitCode());

        CliRun same = CliRun.of("verify", "--endpoint-url", url, "--source-table", src, "--target-table", dst,
                "--state-dir", state.toString(), "--no-progress");
        assertEquals(0, same.exitCode(), same.all());
        assertTrue(same.out().contains("Result: IDENTICAL"), same.out());

        Map<String, AttributeValue> changed = new java.util.HashMap<>(sample.item(5));
        changed.put("status", AttributeValue.fromS("LOST"));
        client.putItem(b -> b.tableName(dst).item(changed));
        client.deleteItem(b -> b.tableName(dst).key(Map.of("pk", sample.item(6).get("pk"), "sk", sample.item(6).get("sk"))));
        CliRun differs = CliRun.of("verify", "--endpoint-url", url, "--source-table", src, "--target-table", dst,
                "--state-dir", state.toString(), "--output", "json", "--report", state.resolve("r.jsonl").toString());
        assertEquals(1, differs.exitCode(), differs.all());
        JsonNode r = new ObjectMapper().readTree(differs.out());
        assertEquals(1, r.get("missing").asInt());
        assertEquals(0, r.get("extra").asInt());
        assertEquals(1, r.get("different").asInt());
        assertEquals(sample.item(6).get("sk").s(), r.get("missingKeys").get(0).get("sk").get("S").asText());
        assertEquals("status", r.get("differentItems").get(0).get("attributes").get(0).asText());
        assertEquals(3, Files.readAllLines(state.resolve("r.jsonl")).size());

        CliRun error = CliRun.of("verify", "--endpoint-url", url, "--source-table", "no-such-table", "--state-dir", state.toString(),
                "--output", "json");
        assertEquals(2, error.exitCode(), error.all());
        assertTrue(error.err().contains("source table 'no-such-table' not found"), error.err());
        assertEquals(2, new ObjectMapper().readTree(error.out()).get("error").get("exitCode").asInt(), "JSON tells the real exit code");
    }
}
