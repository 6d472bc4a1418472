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
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
 * DUAL_WRITE_TARGET_READS → TARGET_ONLY → (rollback) DUAL_WRITE_TARGET_READS → (failback) DUAL_WRITE → (rollback)
 * SOURCE_ONLY through the gated switcher, every move of the site of record a fenced handover, with the forward and the
 * reverse replicators running in their own processes and fenced by the registry, under faults: kill -9 of an instance
 * between its two writes (then restarted on its journal), a secondary slow for 1.5 s at a handover, a secondary write
 * that lands and then times out, kill -9 of the forward and of the reverse replicator (then restarted). Source and
 * target live on two servers. At the end both sites equal the oracle key by key and the counter on each equals the
 * acknowledged increments.
 */
class OracleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> INSTANCES = List.of("w1", "w2", "w3");
    private static final String APP = "orders-app";

    @TempDir
    Path dir;

    private LocalDynamoDb db;
    private LocalDynamoDb other;
    private final Map<String, Process> writers = new HashMap<>();
    private final Map<String, Process> replicators = new HashMap<>();

    @Test
    void threeInstancesWalkToTargetOnlyAndBackUnderFaultsAndBothSitesEqualTheOracle() throws Exception {
        db = LocalDynamoDb.startChildProcess();
        other = LocalDynamoDb.startChildProcess();
        try (DynamoDbClient client = LocalTables.client(db); DynamoDbClient targetClient = LocalTables.client(other)) {
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable("orders")));
            Path forwardDir = dir.resolve("forward");
            Path reverseDir = dir.resolve("reverse");
            Path verifyDir = dir.resolve("verify");
            EndpointRegistry registry = new EndpointRegistry(client, "registry").ensureTable();
            registry.register(APP, StoreEndpoint.table("orders"), StoreEndpoint.table("orders-v2"), forwardDir.toString(),
                    verifyDir.toString(), reverseDir.toString(), "test", null);
            replicators.put("forward", startReplicator("forward", forwardDir));
            long t0 = System.nanoTime();
            waitFor("forward IN_SYNC", () -> phaseIs(forwardDir, "IN_SYNC"));
            System.out.printf("OracleIT: IN_SYNC after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            verify("orders", "orders-v2", verifyDir);
            PhaseSwitcher switcher = new PhaseSwitcher(registry, new SwitchGates(new GateLimits(30_000, 10_000, 60), Clock.systemUTC()));
            for (int i = 0; i < INSTANCES.size(); i++) {
                writers.put(INSTANCES.get(i), startWriter(INSTANCES.get(i), i));
            }
            try {
                Thread.sleep(1500);
                move(Phase.DUAL_WRITE, () -> switcher.switchPhase(APP, Optional.of(Phase.DUAL_WRITE), false, "oracle", "test"));
                Thread.sleep(1000);
                Files.createFile(dir.resolve("kill-w1")); // w1 dies between its two writes of its next put
                assertTrue(writers.get("w1").waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, writers.get("w1").exitValue(), "w1 was killed between its two writes");
                writers.put("w1", startWriter("w1", 10)); // restarted on its journal
                kill9AndRestart("forward", forwardDir);
                replicators.put("reverse", startReplicator("reverse", reverseDir));
                Files.createFile(dir.resolve("slow-w2")); // w2's next write is in flight for 1.5 s when the handover starts
                SwitchResult handover = move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.switchPhase(APP,
                        Optional.of(Phase.DUAL_WRITE_TARGET_READS), false, "oracle", "test"));
                assertTrue(handover.gates().stream().anyMatch(g -> g.name().equals("handover") && g.passed()), handover.gates().toString());
                Files.createFile(dir.resolve("ambiguous-w3")); // w3's next copy to the source lands, then times out
                Thread.sleep(1000);
                kill9AndRestart("reverse", reverseDir);
                move(Phase.TARGET_ONLY, () -> switcher.switchPhase(APP, Optional.of(Phase.TARGET_ONLY), false, "oracle", "test"));
                Thread.sleep(1000);
                move(Phase.DUAL_WRITE_TARGET_READS, () -> switcher.rollback(APP, Phase.TARGET_ONLY, "oracle", "test"));
                Thread.sleep(1000);
                // The failback gates want a verify of the pair after the reverse reached IN_SYNC: quiesce the instances for it.
                Path pause = Files.createFile(dir.resolve("pause"));
                waitFor("the reverse drained and the sites identical", () -> phaseIs(reverseDir, "IN_SYNC")
                        && DynamoDbMigration.lastStatus(reverseDir).map(st -> st.backlog() == 0).orElse(false)
                        && TableComparison.compare(targetClient, "orders-v2", client, "orders").identical());
                verify("orders-v2", "orders", verifyDir);
                Files.delete(pause);
                move(Phase.DUAL_WRITE, () -> switcher.failback(APP, Phase.DUAL_WRITE_TARGET_READS, false, "oracle", "test"));
                Thread.sleep(1500);
                move(Phase.SOURCE_ONLY, () -> switcher.rollback(APP, Phase.DUAL_WRITE, "oracle", "test"));
                Thread.sleep(1500);
            } finally {
                Files.createFile(dir.resolve("stop"));
                for (Process p : writers.values()) {
                    p.waitFor(60, TimeUnit.SECONDS);
                }
            }
            for (Map.Entry<String, Process> w : writers.entrySet()) {
                assertEquals(0, w.getValue().exitValue(), w.getKey() + " ended cleanly");
            }
            // At SOURCE_ONLY the reverse is fenced and the forward carries the last writes to the target.
            waitFor("the forward drained and the sites identical", () -> TableComparison.compare(client, "orders", targetClient,
                    "orders-v2").identical());
            Oracle oracle = Oracle.read(dir, INSTANCES);
            System.out.printf("OracleIT: %d acknowledged, %d increments, %d failed%n", oracle.acknowledged, oracle.increments, oracle.failed);
            assertEquals(0, oracle.failed, "failed writes");
            assertTrue(oracle.acknowledged > 50, "the instances kept writing: " + oracle.acknowledged);
            assertEquals(1, oracle.cutShort.size(), "exactly the killed put was cut short: " + oracle.cutShort);
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, Optional<String>> e : oracle.expected.entrySet()) {
                for (var side : List.of(Map.entry("orders", client), Map.entry("orders-v2", targetClient))) {
                    Optional<String> actual = CutOverFixture.valueIn(side.getValue(), side.getKey(), e.getKey());
                    if (!actual.equals(e.getValue())) {
                        wrong.add(e.getKey() + ": expected " + e.getValue() + ", " + side.getKey() + " has " + actual);
                    }
                }
            }
            assertEquals(List.of(), wrong, "both sites equal the oracle key by key");
            for (var side : List.of(Map.entry("orders", client), Map.entry("orders-v2", targetClient))) {
                Map<String, AttributeValue> counter = side.getValue().getItem(b -> b.tableName(side.getKey()).consistentRead(true)
                        .key(CutOverFixture.key("counter"))).item();
                assertEquals(oracle.increments, Long.parseLong(counter.get("n").n()), "the counter on " + side.getKey()
                        + " equals the acknowledged increments");
            }
        } finally {
            writers.values().forEach(Process::destroyForcibly);
            replicators.values().forEach(Process::destroyForcibly);
            if (db != null) {
                db.close();
            }
            if (other != null) {
                other.close();
            }
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

    private interface Move {
        SwitchResult run();
    }

    /** A move as an operator makes it: refused by the gates while the replicators catch up, so tried again for a minute. */
    private SwitchResult move(Phase to, Move move) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                SwitchResult r = move.run();
                assertEquals(to, r.to());
                System.out.printf("OracleIT: %s to %s took %d ms%n", r.action(), to, (System.nanoTime() - t0) / 1_000_000);
                return r;
            } catch (SwitchRefusedException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(300);
            }
        }
    }

    private void kill9AndRestart(String direction, Path stateDir) throws Exception {
        replicators.get(direction).destroyForcibly().waitFor();
        replicators.put(direction, startReplicator(direction, stateDir));
    }

    private Process startReplicator(String direction, Path stateDir) throws Exception {
        boolean reverse = direction.equals("reverse");
        return java(MigrationProcess.class, (reverse ? other : db).endpoint().toString(), (reverse ? db : other).endpoint().toString(),
                reverse ? "orders-v2" : "orders", reverse ? "orders" : "orders-v2", stateDir.toString(), direction,
                db.endpoint().toString(), "registry", APP);
    }

    private Process startWriter(String instance, int seed) throws Exception {
        return java(OracleWriter.class, db.endpoint().toString(), other.endpoint().toString(), "registry", APP, "orders", "orders-v2",
                dir.toString(), instance, Integer.toString(seed));
    }

    private void verify(String from, String to, Path verifyDir) {
        DynamoDbEndpoint a = DynamoDbEndpoint.local("source", (from.equals("orders") ? db : other).endpoint());
        DynamoDbEndpoint b = DynamoDbEndpoint.local("target", (from.equals("orders") ? other : db).endpoint());
        try (DynamoDbVerification v = new DynamoDbVerification(a, b, 4)) {
            assertTrue(v.run(from, to, VerifyOptions.defaults(), CopyProgress.NONE, dir.resolve("report.jsonl"), Optional.of(verifyDir))
                    .identical());
        }
    }

    private static boolean phaseIs(Path stateDir, String phase) {
        return DynamoDbMigration.lastStatus(stateDir).map(s -> s.phase().equals(phase)).orElse(false);
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
            replicators.forEach((name, p) -> assertTrue(p.isAlive(), "the " + name + " replicator died before " + what));
            assertTrue(System.nanoTime() < deadline, what + " not reached within 90 s");
            Thread.sleep(200);
        }
    }
}
