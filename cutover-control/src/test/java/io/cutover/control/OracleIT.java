package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.client.CutOverFixture;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The oracle test of issue 11: three application instances in separate processes (puts, deletes, read-modify-write
 * increments of one shared counter), each logging what it was told succeeded, walk SOURCE_ONLY → DUAL_WRITE →
 * DUAL_WRITE_TARGET_READS → TARGET_ONLY → (rollback) DUAL_WRITE_TARGET_READS → TARGET_ONLY with the gated switcher and
 * the migration running in its own process, under faults: kill -9 of an instance between its two writes (then
 * restarted on its journal), a secondary slow for 1.5 s at a switch, kill -9 of the forward replicator (then
 * restarted). At the end the target equals the oracle key by key and the counter equals the acknowledged increments.
 */
class OracleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> INSTANCES = List.of("w1", "w2", "w3");

    @TempDir
    Path dir;

    private LocalDynamoDb db;
    private final Map<String, Process> writers = new HashMap<>();
    private Process migration;

    @Test
    void threeInstancesWalkTheCutOverUnderFaultsAndTheTargetEqualsTheOracle() throws Exception {
        db = LocalDynamoDb.startChildProcess();
        try (DynamoDbClient client = LocalTables.client(db)) {
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable("orders")));
            Path migrateDir = dir.resolve("migrate");
            Path verifyDir = dir.resolve("verify");
            migration = startMigration(migrateDir);
            long t0 = System.nanoTime();
            waitFor("IN_SYNC", () -> DynamoDbMigration.lastStatus(migrateDir).map(s -> s.phase().equals("IN_SYNC")).orElse(false));
            System.out.printf("OracleIT: IN_SYNC after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            try (DynamoDbVerification v = new DynamoDbVerification(DynamoDbEndpoint.local("source", db.endpoint()),
                    DynamoDbEndpoint.local("target", db.endpoint()), 4)) {
                assertTrue(v.run("orders", "orders-v2", VerifyOptions.defaults(), CopyProgress.NONE, dir.resolve("report.jsonl"),
                        Optional.of(verifyDir)).identical());
            }
            EndpointRegistry registry = new EndpointRegistry(client, "registry").ensureTable();
            registry.register("orders-app", StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), migrateDir.toString(),
                    verifyDir.toString(), "test", null);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));
            for (int i = 0; i < INSTANCES.size(); i++) {
                writers.put(INSTANCES.get(i), startWriter(registry.table(), INSTANCES.get(i), i));
            }
            try {
                Thread.sleep(1500);
                switchTo(switcher, Phase.DUAL_WRITE);
                Thread.sleep(1000);
                Files.createFile(dir.resolve("kill-w1")); // w1 dies between its two writes of its next put
                assertTrue(writers.get("w1").waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, writers.get("w1").exitValue(), "w1 was killed between its two writes");
                writers.put("w1", startWriter(registry.table(), "w1", 10)); // restarted on its journal
                migration.destroyForcibly().waitFor(); // kill -9 of the forward replicator
                migration = startMigration(migrateDir);
                Files.createFile(dir.resolve("slow-w2"));
                switchTo(switcher, Phase.DUAL_WRITE_TARGET_READS);
                Thread.sleep(1500);
                switchTo(switcher, Phase.TARGET_ONLY);
                Thread.sleep(1000);
                assertEquals(Phase.DUAL_WRITE_TARGET_READS, switcher.rollback("orders-app", Phase.TARGET_ONLY, "oracle", "test").to());
                Thread.sleep(1000);
                switchTo(switcher, Phase.TARGET_ONLY);
                Thread.sleep(1000);
            } finally {
                Files.createFile(dir.resolve("stop"));
                for (Process p : writers.values()) {
                    p.waitFor(60, TimeUnit.SECONDS);
                }
            }
            for (Map.Entry<String, Process> w : writers.entrySet()) {
                assertEquals(0, w.getValue().exitValue(), w.getKey() + " ended cleanly");
            }
            Oracle oracle = Oracle.read(dir, INSTANCES);
            assertEquals(0, oracle.failed, "failed writes");
            assertTrue(oracle.acknowledged > 50, "the instances kept writing: " + oracle.acknowledged);
            assertEquals(1, oracle.cutShort.size(), "exactly the killed put was cut short: " + oracle.cutShort);
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, Optional<String>> e : oracle.expected.entrySet()) {
                Optional<String> actual = CutOverFixture.valueIn(client, "orders-v2", e.getKey());
                if (!actual.equals(e.getValue())) {
                    wrong.add(e.getKey() + ": expected " + e.getValue() + ", target has " + actual);
                }
            }
            assertEquals(List.of(), wrong, "the target equals the oracle key by key");
            Map<String, AttributeValue> counter = client.getItem(b -> b.tableName("orders-v2").consistentRead(true)
                    .key(CutOverFixture.key("counter"))).item();
            assertEquals(oracle.increments, Long.parseLong(counter.get("n").n()), "the counter equals the acknowledged increments");
        } finally {
            writers.values().forEach(Process::destroyForcibly);
            if (migration != null) {
                migration.destroyForcibly();
            }
            db.close();
        }
    }

    /** What the instances were told succeeded, replayed per key in order (each key belongs to one instance). */
    static final class Oracle {
        final Map<String, Optional<String>> expected = new LinkedHashMap<>();
        final List<String> cutShort = new ArrayList<>();
        long increments;
        long acknowledged;
        long failed;

        static Oracle read(Path dir, List<String> instances) throws Exception {
            Oracle o = new Oracle();
            for (String instance : instances) {
                JsonNode open = null;
                for (String line : Files.readAllLines(dir.resolve("oracle-" + instance + ".jsonl"))) {
                    JsonNode n = JSON.readTree(line);
                    if (n.has("begin")) {
                        if (open != null) {
                            // Begun, never acknowledged nor failed: the process died in it (a put whose primary write landed).
                            o.cutShort.add(open.toString());
                            o.apply(open);
                        }
                        open = n;
                    } else if (n.has("failed")) {
                        o.failed++;
                        open = null;
                    } else {
                        o.acknowledged++;
                        o.apply(n);
                        open = null;
                    }
                }
            }
            return o;
        }

        private void apply(JsonNode n) {
            switch (n.get("op").asText()) {
                case "put" -> expected.put(n.get("key").asText(), Optional.of(n.get("value").asText()));
                case "delete" -> expected.put(n.get("key").asText(), Optional.empty());
                default -> increments++;
            }
        }
    }

    private void switchTo(PhaseSwitcher switcher, Phase to) throws InterruptedException {
        long t0 = System.nanoTime();
        try {
            switchUntilGatesPass(switcher, to);
        } finally {
            System.out.printf("OracleIT: switch to %s took %d ms%n", to, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private void switchUntilGatesPass(PhaseSwitcher switcher, Phase to) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                assertEquals(to, switcher.switchPhase("orders-app", Optional.of(to), false, "oracle", "test").to());
                return;
            } catch (SwitchRefusedException refused) {
                // One server cannot serve the reverse capture too (docs/decisions/0073): FailbackIT covers the handover with
                // it; here the switch is forced past that gate alone, once every other gate passes.
                if (refused.gates().stream().filter(g -> !g.passed()).map(Gate::name).toList().equals(List.of("reverse-capture"))) {
                    assertEquals(to, switcher.switchPhase("orders-app", Optional.of(to), true, "oracle: no reverse", "test").to());
                    return;
                }
                // the gates wait for the migration, the restarted instance's journal, the slow write: as an operator would
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(300);
            }
        }
    }

    private Process startMigration(Path stateDir) throws Exception {
        return java(MigrationProcess.class, db.endpoint().toString(), "orders", "orders-v2", stateDir.toString());
    }

    private Process startWriter(String registryTable, String instance, int seed) throws Exception {
        return java(OracleWriter.class, db.endpoint().toString(), registryTable, "orders-app", "orders", "orders-v2", dir.toString(),
                instance, Integer.toString(seed));
    }

    private Process java(Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(main.getSimpleName() + "-"
                + System.nanoTime() + ".log").toFile()).start();
    }

    private void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertTrue(migration.isAlive(), "the migration process died before " + what);
            assertTrue(System.nanoTime() < deadline, what + " not reached within 90 s");
            Thread.sleep(200);
        }
    }
}
