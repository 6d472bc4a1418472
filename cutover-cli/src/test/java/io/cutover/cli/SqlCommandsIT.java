package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The SQL commands as a user runs them, on one embedded PostgreSQL and DynamoDB Local: plan (and each
 * refusal, exit 2, never showing the password), migrate killed with SIGKILL during the backfill and
 * resumed, status with the slot's lag, verify with counts per day, and abandon dropping the slot.
 */
class SqlCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "n0t-for-logs";
    static EmbeddedPostgresServer pg;
    static LocalDynamoDb dynamo;
    static DynamoDbClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresServer.start();
        dynamo = LocalTables.shared();
        client = LocalTables.client(dynamo);
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    /** The URI with a password (the test server trusts every local connection, so any password works). */
    static String uri(String db) {
        return pg.uri(db).replace("postgres@", "postgres:" + SECRET + "@");
    }

    Path mapping() throws Exception {
        Path f = dir.resolve("mapping.yaml");
        Files.writeString(f, IntegrationLogs.resource("mapping.yaml"));
        return f;
    }

    @Test
    void planShowsTheTableCreatesItAndRefusesEachBadMapping() throws Exception {
        pg.createDatabase("plan_db");
        SqlEndpoint source = SqlEndpoint.parse(uri("plan_db"));
        IntegrationLogs.createTable(source);
        IntegrationLogs.load(source, 50, 3);
        String target = LocalTables.uniqueName("plan");
        Path m = mapping();
        CliRun ok = CliRun.of("plan", "--source", uri("plan_db"), "--source-table", "integration_logs", "--target-table", target,
                "--mapping", m.toString(), "--endpoint-url", dynamo.endpoint().toString(), "--create");
        assertEquals(0, ok.exitCode(), ok.all());
        assertTrue(ok.out().contains("GSI3: GSI3PK = ERROR#${is_success}#${log_timestamp:yyyy-MM-dd}"), ok.out());
        assertTrue(ok.out().contains("TTL: ExpiresAt = ${log_timestamp:epoch+90d}"), ok.out());
        assertTrue(ok.out().contains("created table " + target), ok.out());
        assertEquals(3, client.describeTable(b -> b.tableName(target)).table().globalSecondaryIndexes().size());
        assertFalse(ok.all().contains(SECRET), "the password is never printed");

        CliRun json = CliRun.of("plan", "--source", uri("plan_db"), "--source-table", "integration_logs", "--target-table", target,
                "--mapping", m.toString(), "--output", "json", "--show", "2");
        assertEquals(0, json.exitCode(), json.all());
        assertEquals(2, JSON.readTree(json.out()).get("samples").size());

        // 1. Deletes carry only the primary key: the key is built from other columns.
        pg.execute("plan_db", "ALTER TABLE integration_logs REPLICA IDENTITY DEFAULT");
        CliRun identity = CliRun.of("plan", "--source", uri("plan_db"), "--source-table", "integration_logs", "--target-table", target,
                "--mapping", m.toString());
        assertEquals(2, identity.exitCode(), identity.all());
        assertTrue(identity.err().contains("REPLICA IDENTITY FULL"), identity.all());
        assertFalse(identity.all().contains(SECRET));
        pg.execute("plan_db", "ALTER TABLE integration_logs REPLICA IDENTITY FULL");

        // 2. Two rows map to the same key: a lossy formatter on the primary key.
        pg.execute("plan_db", "CREATE TABLE codes (code text PRIMARY KEY, v int)", "INSERT INTO codes VALUES ('ab', 1), ('AB', 2)");
        Path lossy = dir.resolve("lossy.yaml");
        Files.writeString(lossy, "mapping:\n  partitionKey: { attribute: pk, template: \"${code:upper}\" }\n");
        CliRun collide = CliRun.of("plan", "--source", uri("plan_db"), "--source-table", "codes", "--target-table", "codes",
                "--mapping", lossy.toString());
        assertEquals(2, collide.exitCode(), collide.all());
        assertTrue(collide.err().contains("both map to the key"), collide.all());

        // 3. A column that is not there, 4. a key without the whole primary key, 5. a GSI key of the wrong type.
        for (String[] bad : new String[][] {
                {"mapping:\n  partitionKey: { attribute: pk, template: \"${nope}\" }\n", "uses column nope"},
                {"mapping:\n  partitionKey: { attribute: pk, template: \"${v}\" }\n", "primary key column(s) [code]"},
                {"mapping:\n  partitionKey: { attribute: pk, template: \"${code}\" }\n  indexes:\n    - name: byV\n"
                        + "      partitionKey: { attribute: g, template: \"V#${v}\", type: N }\n", "type is N but the template"}}) {
            Path f = dir.resolve("bad.yaml");
            Files.writeString(f, bad[0]);
            CliRun r = CliRun.of("plan", "--source", uri("plan_db"), "--source-table", "codes", "--target-table", "codes", "--mapping", f.toString());
            assertEquals(2, r.exitCode(), r.all());
            assertTrue(r.err().contains(bad[1]), r.all());
        }
    }

    @Test
    void migrateKilledDuringBackfillResumesAndVerifiesWithCountsPerDay() throws Exception {
        pg.createDatabase("kill_db");
        SqlEndpoint source = SqlEndpoint.parse(uri("kill_db"));
        IntegrationLogs.createTable(source);
        IntegrationLogs.load(source, 10_000, 5);
        String target = LocalTables.uniqueName("killed");
        Path state = dir.resolve("state");
        List<String> args = List.of("migrate", "--source", uri("kill_db"), "--source-table", "integration_logs", "--target-table", target,
                "--mapping", mapping().toString(), "--endpoint-url", dynamo.endpoint().toString(), "--state-dir", state.toString(),
                "--segments", "4", "--parallelism", "1", "--page-size", "200", "--max-write-rate", "1000", "--no-progress");
        Process child = CliRun.child(args, dir.resolve("child.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!(phase(state).equals("BACKFILL") && checkpointed(state) >= 1_000)) {
            assertTrue(child.isAlive(), () -> "ended before the kill: " + read(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, () -> "no backfill progress: " + read(dir.resolve("child.log")));
            Thread.sleep(20);
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals("BACKFILL", phase(state));
        assertFalse(read(dir.resolve("child.log")).contains(SECRET), "the child never logs the password");

        // Changes while nothing runs: the slot keeps them.
        pg.execute("kill_db", "DELETE FROM integration_logs WHERE log_id <= 100",
                "UPDATE integration_logs SET service_name = 'moved' WHERE log_id BETWEEN 101 AND 150");
        CliRun status = CliRun.of("status", "--state-dir", state.toString(), "--source", uri("kill_db"));
        assertEquals(0, status.exitCode(), status.all());
        assertTrue(status.out().contains("replication slot cutover_integration_logs_") && status.out().contains("bytes of WAL"), status.out());

        List<String> resume = new ArrayList<>(args);
        resume.addAll(List.of("--until", "drained", "--output", "json"));
        CliRun done = CliRun.of(resume.toArray(String[]::new));
        assertEquals(0, done.exitCode(), done.all());
        JsonNode s = JSON.readTree(done.out());
        assertEquals(0, s.get("backlog").asLong());
        assertEquals(s.get("captured").asLong(), s.get("applied").asLong() + s.get("superseded").asLong() + s.get("deadLettered").asLong());

        CliRun verify = CliRun.of("verify", "--source", uri("kill_db"), "--source-table", "integration_logs", "--target-table", target,
                "--mapping", mapping().toString(), "--endpoint-url", dynamo.endpoint().toString(), "--bucket-by", "log_timestamp:day",
                "--state-dir", dir.resolve("verify").toString(), "--no-progress");
        assertEquals(0, verify.exitCode(), verify.all());
        assertTrue(verify.out().contains("Result: IDENTICAL") && verify.out().contains("2026-11-01"), verify.out());

        CliRun abandon = CliRun.of("abandon", "--source", uri("kill_db"), "--state-dir", state.toString());
        assertEquals(0, abandon.exitCode(), abandon.all());
        assertTrue(abandon.out().contains("dropped replication slot"), abandon.out());
        try (var c = pg.connect("kill_db"); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
    }

    static String phase(Path state) {
        try {
            Path f = state.resolve("migration.json");
            return Files.exists(f) ? JSON.readTree(f.toFile()).get("phase").asText() : "";
        } catch (Exception e) {
            return "";
        }
    }

    static long checkpointed(Path state) throws Exception {
        Path d = state.resolve("checkpoints").resolve("backfill");
        if (!Files.isDirectory(d)) {
            return 0;
        }
        long n = 0;
        try (var files = Files.list(d)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                try {
                    n += JSON.readTree(f.toFile()).path("items").asLong();
                } catch (Exception e) {
                    // being replaced
                }
            }
        }
        return n;
    }

    static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (Exception e) {
            return e.toString();
        }
    }
}
