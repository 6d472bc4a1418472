package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.local.LocalTables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

class EndpointRegistryIT {
    private static DynamoDbClient client;
    private static EndpointRegistry registry;

    @BeforeAll
    static void start() {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    private static RegistryEntry register(String app) {
        return registry.register(app, new StoreEndpoint("orders", "http://old:8000", "eu-west-1"), StoreEndpoint.table("orders-v2"),
                "/tmp/state", null, "alice@host", "first");
    }

    @Test
    void registersAtSourceOnlyAndReadsBackEveryField() {
        register("reg-fields");
        RegistryEntry e = registry.require("reg-fields");
        assertEquals(Phase.SOURCE_ONLY, e.phase());
        assertEquals(Site.SOURCE, e.activeSite());
        assertEquals(1, e.version());
        assertEquals(new StoreEndpoint("orders", "http://old:8000", "eu-west-1"), e.source());
        assertEquals(StoreEndpoint.table("orders-v2"), e.target());
        assertEquals("/tmp/state", e.stateDir());
        assertEquals("alice@host", e.updatedBy());
        assertTrue(registry.list().stream().anyMatch(x -> x.app().equals("reg-fields")));
        CutoverException again = assertThrows(CutoverException.class, () -> register("reg-fields"));
        assertEquals(ErrorCode.CONFLICT, again.code());
    }

    @Test
    void changeMovesThePhaseAndKeepsAnAuditRecordWithTheGates() {
        register("reg-audit");
        RegistryEntry after = registry.change("reg-audit", 1, Phase.DUAL_WRITE, "bob@host", "switch", "lag fine", true,
                Map.of("lag", "PASS 10 ms (limit 1000 ms)"), List.of("forced"));
        assertEquals(2, after.version());
        assertEquals(Phase.DUAL_WRITE, registry.require("reg-audit").phase());
        List<AuditRecord> history = registry.history("reg-audit");
        assertEquals(2, history.size());
        AuditRecord last = history.get(1);
        assertEquals("bob@host", last.by());
        assertEquals(Phase.SOURCE_ONLY, last.from());
        assertEquals(Phase.DUAL_WRITE, last.to());
        assertTrue(last.forced());
        assertEquals("PASS 10 ms (limit 1000 ms)", last.gates().get("lag"));
        assertEquals(List.of("forced"), last.warnings());
    }

    @Test
    void twoOperatorsRacingOneWinsTheOtherGetsAConflictNamingTheWinner() throws Exception {
        register("reg-race");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RegistryEntry>> results = new ArrayList<>();
        for (String who : List.of("alice@host", "bob@host")) {
            results.add(pool.submit(() -> {
                go.await();
                // Both read version 1 before either writes: the race the conditional write must settle.
                return registry.change("reg-race", 1, Phase.DUAL_WRITE, who, "switch", null, false, Map.of(), List.of());
            }));
        }
        go.countDown();
        int won = 0;
        String conflict = null;
        for (Future<RegistryEntry> f : results) {
            try {
                f.get();
                won++;
            } catch (java.util.concurrent.ExecutionException e) {
                CutoverException ce = (CutoverException) e.getCause();
                assertEquals(ErrorCode.CONFLICT, ce.code());
                conflict = ce.getMessage();
            }
        }
        pool.shutdown();
        assertEquals(1, won, "exactly one switch must win");
        RegistryEntry now = registry.require("reg-race");
        assertEquals(2, now.version());
        assertTrue(conflict != null && conflict.contains("was changed by " + now.updatedBy()) && conflict.contains("version 2"), conflict);
        assertEquals(2, registry.history("reg-race").size(), "only the winner's audit record is kept");
    }

    @Test
    void aStaleVersionIsAConflictEvenWithoutARace() {
        register("reg-stale");
        registry.change("reg-stale", 1, Phase.DUAL_WRITE, "alice@host", "switch", null, false, Map.of(), List.of());
        CutoverException e = assertThrows(CutoverException.class,
                () -> registry.change("reg-stale", 1, Phase.DUAL_WRITE, "bob@host", "switch", null, false, Map.of(), List.of()));
        assertEquals(ErrorCode.CONFLICT, e.code());
        assertTrue(e.getMessage().contains("alice@host"), e.getMessage());
    }

    @Test
    void watcherSeesANewPhaseWithinAPollAndActiveSiteFollows() throws Exception {
        register("reg-watch");
        try (ActiveSite active = ActiveSite.watch(registry, "reg-watch", Duration.ofMillis(100))) {
            assertEquals(Site.SOURCE, active.site());
            registry.change("reg-watch", 1, Phase.DUAL_WRITE, "a", "switch", null, false, Map.of(), List.of());
            registry.change("reg-watch", 2, Phase.DUAL_WRITE_TARGET_READS, "a", "switch", null, false, Map.of(), List.of());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (active.site() != Site.TARGET && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(Site.TARGET, active.site());
            assertEquals("orders-v2", active.endpoint().table());
        }
    }

    @Test
    void anUnknownApplicationIsAClearError() {
        CutoverException e = assertThrows(CutoverException.class, () -> registry.require("nobody"));
        assertTrue(e.getMessage().contains("cutover registry register --app nobody"), e.getMessage());
    }

    @Test
    void reportsLiveInTheirOwnKeySpaceAndForgettingAnInstanceIsAudited() {
        register("reg-clients");
        registry.report(new ClientReport("reg-clients", "web-1", Phase.SOURCE_ONLY, 1, 0, 3, 1, 0, "ignored: the registry's clock is used"));
        registry.report(new ClientReport("reg-clients", "web-2", Phase.SOURCE_ONLY, 1, 0, 0, 0, 0, null));
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> inEntryPartition = client.query(b -> b
                .tableName(registry.table()).keyConditionExpression("app = :a").expressionAttributeValues(Map.of(":a",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("reg-clients")))).items().stream()
                .filter(i -> !i.get("sk").s().equals("entry") && !i.get("sk").s().startsWith("audit#")).findFirst().orElse(null);
        assertEquals(null, inEntryPartition, "no report shares the partition (and the IAM grant) of the entry");
        List<ClientReport> reports = registry.clients("reg-clients");
        assertEquals(2, reports.size());
        assertTrue(registry.clockKnown(), "DynamoDB's Date header gave the registry's clock");
        java.time.Instant at = java.time.Instant.parse(reports.get(0).at());
        assertTrue(Math.abs(java.time.Duration.between(at, java.time.Instant.now()).toSeconds()) < 5, at.toString());
        assertTrue(registry.list().stream().noneMatch(e -> e.app().startsWith("clients#")), "reports are not applications");

        CutoverException stale = assertThrows(CutoverException.class, () -> registry.forgetInstance("reg-clients", 7, "web-1", "ops", "gone"));
        assertEquals(io.cutover.core.ErrorCode.CONFLICT, stale.code());
        RegistryEntry after = registry.forgetInstance("reg-clients", 1, "web-1", "ops@host", "host decommissioned");
        assertEquals(2, after.version());
        assertEquals(Phase.SOURCE_ONLY, after.phase());
        assertEquals(List.of("web-2"), registry.clients("reg-clients").stream().map(ClientReport::instance).toList());
        AuditRecord audit = registry.history("reg-clients").get(1);
        assertEquals("forget-instance", audit.action());
        assertEquals("ops@host", audit.by());
        assertEquals("3", audit.gates().get("pendingTarget"));
        assertTrue(audit.warnings().get(0).contains("owed 3 writes"), audit.warnings().toString());
    }
}
