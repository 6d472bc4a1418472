package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

class ControlServerIT {
    private static final String TOKEN = "test-token-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private static ControlServer server;
    private static VerifyRunner verifies;
    private static String source;
    private static String target;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
        source = LocalTables.uniqueName("src");
        target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        SampleItems items = new SampleItems(7, 100);
        LocalTables.load(client, source, 300, items::item);
        LocalTables.load(client, target, 300, items::item);
        verifies = new VerifyRunner();
        server = new ControlServer(new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC())), verifies, TOKEN,
                new InetSocketAddress("127.0.0.1", 0)).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        verifies.close();
        client.close();
    }

    private static String register(boolean gatesPass) throws Exception {
        String app = LocalTables.uniqueName("app");
        Path m = dir.resolve(app + "-migrate");
        Path v = dir.resolve(app + "-verify");
        String endpoint = LocalTables.shared().endpoint().toString();
        registry.register(app, new StoreEndpoint(source, endpoint, null), new StoreEndpoint(target, endpoint, null), m.toString(),
                v.toString(), "test", null);
        GateFiles.status(m, "IN_SYNC", gatesPass ? 30 : 30_000, 0, 0, Instant.now());
        GateFiles.verify(v, source, target, 0, 0, 0);
        return app;
    }

    private static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthReadinessAndReadsNeedNoToken() throws Exception {
        String app = register(true);
        assertEquals(200, send("GET", "/healthz", null, null).statusCode());
        assertEquals(200, send("GET", "/readyz", null, null).statusCode());
        HttpResponse<String> one = send("GET", "/api/migrations/" + app, null, null);
        assertEquals(200, one.statusCode());
        JsonNode view = JSON.readTree(one.body());
        assertEquals("SOURCE_ONLY", view.at("/registry/phase").asText());
        assertEquals("IN_SYNC", view.at("/status/phase").asText(), "the same MigrationStatus record cutover status prints");
        assertEquals("identical", view.at("/verify/status").asText(), "the same VerifyResult record cutover verify prints");
        assertEquals("DUAL_WRITE", view.get("next").asText());
        assertTrue(view.get("gatesPass").asBoolean());
        JsonNode all = JSON.readTree(send("GET", "/api/migrations", null, null).body());
        assertTrue(all.get("migrations").size() >= 1);
        assertEquals(404, send("GET", "/api/migrations/no-such-app", null, null).statusCode());
    }

    @Test
    void stateChangesWithoutATokenGet401AndWithAWrongOne403() throws Exception {
        String app = register(true);
        for (String path : List.of("/switch", "/rollback", "/failback", "/verify", "/verify/stop")) {
            HttpResponse<String> none = send("POST", "/api/migrations/" + app + path, null, "{}");
            assertEquals(401, none.statusCode(), path);
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(403, send("POST", "/api/migrations/" + app + path, "wrong-token-0000000000", "{}").statusCode(), path);
        }
        assertEquals(401, send("DELETE", "/api/migrations/" + app + "/verify", null, null).statusCode());
        assertEquals(Phase.SOURCE_ONLY, registry.require(app).phase(), "nothing changed");
        assertEquals(1, registry.history(app).size());
    }

    @Test
    void switchAndRollbackWithTheTokenReturnTheResultAndChangeTheRegistry() throws Exception {
        String app = register(true);
        HttpResponse<String> staleSwitch = send("POST", "/api/migrations/" + app + "/switch", TOKEN, "{\"from\":\"DUAL_WRITE\"}");
        assertEquals(409, staleSwitch.statusCode(), "a switch from a phase that is not current is a second click: " + staleSwitch.body());
        assertEquals(Phase.SOURCE_ONLY, registry.require(app).phase());
        HttpResponse<String> r = send("POST", "/api/migrations/" + app + "/switch", TOKEN,
                "{\"from\":\"SOURCE_ONLY\",\"reason\":\"go\",\"by\":\"alice\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode result = JSON.readTree(r.body());
        assertEquals("DUAL_WRITE", result.get("to").asText());
        assertEquals(Phase.DUAL_WRITE, registry.require(app).phase());
        assertTrue(registry.require(app).updatedBy().startsWith("alice (api:127.0.0.1"), registry.require(app).updatedBy());
        HttpResponse<String> noPhase = send("POST", "/api/migrations/" + app + "/rollback", TOKEN, null);
        assertEquals(400, noPhase.statusCode(), "a rollback names the phase it rolls back from: " + noPhase.body());
        HttpResponse<String> stale = send("POST", "/api/migrations/" + app + "/rollback", TOKEN, "{\"from\":\"SOURCE_ONLY\"}");
        assertEquals(409, stale.statusCode(), stale.body());
        HttpResponse<String> staleFailback = send("POST", "/api/migrations/" + app + "/failback", TOKEN,
                "{\"from\":\"DUAL_WRITE_TARGET_READS\",\"by\":\"alice\"}");
        assertEquals(409, staleFailback.statusCode(), "a failback names the phase it saw: " + staleFailback.body());
        HttpResponse<String> sourceAlready = send("POST", "/api/migrations/" + app + "/failback", TOKEN, "{\"from\":\"DUAL_WRITE\"}");
        assertEquals(400, sourceAlready.statusCode(), "the source is already the site of record: " + sourceAlready.body());
        assertEquals(400, send("POST", "/api/migrations/" + app + "/failback", TOKEN, "{\"from\":\"DUAL_WRITE\",\"to\":\"X\"}")
                .statusCode(), "failback takes from, force, reason, by only");
        HttpResponse<String> back = send("POST", "/api/migrations/" + app + "/rollback", TOKEN, "{\"from\":\"DUAL_WRITE\"}");
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(Phase.SOURCE_ONLY, registry.require(app).phase());
        JsonNode history = JSON.readTree(send("GET", "/api/migrations/" + app + "/history", null, null).body()).get("history");
        assertEquals(3, history.size(), "refused rollbacks change nothing");
        assertEquals("go", history.get(1).get("reason").asText());
    }

    @Test
    void refusedGatesAndLostRacesAre409WithTheMessage() throws Exception {
        String slow = register(false);
        HttpResponse<String> refused = send("POST", "/api/migrations/" + slow + "/switch", TOKEN, "{}");
        assertEquals(409, refused.statusCode());
        JsonNode err = JSON.readTree(refused.body()).get("error");
        assertEquals("GATES_REFUSED", err.get("code").asText());
        assertTrue(err.get("message").asText().contains("lag FAIL 30000 ms"), err.toString());
        assertEquals(7, err.get("gates").size());

        String raced = register(true);
        List<CompletableFuture<HttpResponse<String>>> both = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            both.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return send("POST", "/api/migrations/" + raced + "/switch", TOKEN, "{\"to\":\"DUAL_WRITE\"}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<Integer> codes = both.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).sorted().toList();
        assertEquals(List.of(200, 409), codes, "exactly one switch wins");
        assertEquals(2, registry.require(raced).version());
        assertEquals(400, send("POST", "/api/migrations/" + raced + "/switch", TOKEN, "not json").statusCode());
    }

    @Test
    void metricsAreInThePrometheusTextFormat() throws Exception {
        String app = register(true);
        HttpResponse<String> m = send("GET", "/metrics", null, null);
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String body = m.body();
        assertTrue(body.contains("# TYPE cutover_changes_applied_total counter"), body);
        assertTrue(body.contains("cutover_phase{app=\"" + app + "\",phase=\"SOURCE_ONLY\"} 1"), body);
        assertTrue(body.contains("cutover_phase{app=\"" + app + "\",phase=\"TARGET_ONLY\"} 0"), body);
        assertTrue(body.contains("cutover_changes_applied_total{app=\"" + app + "\"} 4990"), body);
        assertTrue(body.contains("cutover_lag_p99_seconds{app=\"" + app + "\"} 0.0300000"), body);
        assertTrue(body.contains("cutover_dead_letters_total{app=\"" + app + "\"} 0"), body);
    }

    @Test
    void verifyStartsInTheBackgroundAndItsResultFeedsTheGates() throws Exception {
        String app = register(true);
        java.nio.file.Files.delete(Path.of(registry.require(app).verifyStateDir()).resolve("verify-last.json"));
        assertEquals("never run", JSON.readTree(send("GET", "/api/migrations/" + app, null, null).body()).at("/gates/4/value").asText());
        HttpResponse<String> started = send("POST", "/api/migrations/" + app + "/verify", TOKEN, null);
        assertEquals(202, started.statusCode(), started.body());
        JsonNode view = null;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> polled = send("GET", "/api/migrations/" + app, null, null);
            view = JSON.readTree(polled.body());
            if (polled.statusCode() == 200 && !view.at("/verifyRun/running").asBoolean(true)) {
                break;
            }
            Thread.sleep(300); // within serve's budget of expensive reads (10 a second)
        }
        assertEquals("identical", view.at("/verifyRun/outcome").asText(), view.toString());
        assertEquals("identical", view.at("/verify/status").asText());
        assertEquals(300, view.at("/verify/sourceItems").asLong());
        assertTrue(view.get("gatesPass").asBoolean());
        assertEquals(200, send("DELETE", "/api/migrations/" + app + "/verify", TOKEN, null).statusCode());
    }
}
