package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Issue 17: a registry entry forged by whoever can write the registry table (paths elsewhere, an endpoint URL of a
 * listener that counts every connection) does not steer serve: its views and gates read the state directories of its
 * own configuration, {@code POST verify} writes only there and calls only the configured endpoint, and the
 * disagreement is shown as a warning. An application the configuration does not name gets no gate and no verify.
 */
class ControlServerOwnConfigIT {
    private static final String TOKEN = "test-token-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private static ControlServer server;
    private static VerifyRunner verifies;
    private static ServerSocket trap;
    private static final AtomicInteger TRAPPED = new AtomicInteger();
    private static String app;
    private static String stranger;
    private static String source;
    private static String target;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
        source = LocalTables.uniqueName("src");
        target = LocalTables.uniqueName("tgt");
        LocalTables.create(client, SampleItems.plainTable(source));
        LocalTables.create(client, SampleItems.plainTable(target));
        SampleItems items = new SampleItems(7, 100);
        LocalTables.load(client, source, 200, items::item);
        LocalTables.load(client, target, 200, items::item);
        trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!trap.isClosed()) {
                try (Socket s = trap.accept()) {
                    TRAPPED.incrementAndGet();
                } catch (java.io.IOException closed) {
                    return;
                }
            }
        }, "endpoint-trap");
        t.setDaemon(true);
        t.start();

        // What the forger wrote: paths elsewhere (a status that would pass the gates), endpoints at the trap.
        app = LocalTables.uniqueName("app");
        stranger = LocalTables.uniqueName("stranger");
        String forgedUrl = "http://127.0.0.1:" + trap.getLocalPort();
        for (String a : List.of(app, stranger)) {
            registry.register(a, new StoreEndpoint(source, forgedUrl, null), new StoreEndpoint(target, forgedUrl, null),
                    dir.resolve("forged-migrate").toString(), dir.resolve("forged-verify").toString(), dir.resolve("forged-reverse").toString(),
                    "someone", null);
        }
        GateFiles.status(dir.resolve("forged-migrate"), "IN_SYNC", 5, 0, 0, Instant.now());
        GateFiles.verify(dir.resolve("forged-verify"), source, target, 0, 0, 0);
        Files.createDirectories(dir.resolve("forged-reverse"));

        // What the operator configured: its own directories, the real endpoint.
        GateFiles.status(dir.resolve("mine-migrate"), "IN_SYNC", 30, 0, 0, Instant.now());
        Files.createDirectories(dir.resolve("mine-verify"));
        String real = LocalTables.shared().endpoint().toString();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode mine = root.putObject("apps").putObject(app);
        mine.put("state-dir", "mine-migrate").put("verify-state-dir", dir.resolve("mine-verify").toString());
        mine.putObject("source").put("table", source).put("endpoint-url", real);
        mine.putObject("target").put("table", target).put("endpoint-url", real);
        ServeAppConfig config = ServeAppConfig.parse(root, dir.resolve("serve.json")).requireRegistered(registry);

        verifies = new VerifyRunner();
        server = new ControlServer(new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC()), config), verifies,
                TOKEN, ControlServerSettings.loopback("127.0.0.1", 0)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        verifies.close();
        client.close();
        trap.close();
    }

    private static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode view(String a) throws Exception {
        HttpResponse<String> r = send("GET", "/api/migrations/" + a, null, null);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static List<String> files(Path d) throws Exception {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).map(p -> d.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void aForgedEntryNeitherMovesVerifysFilesNorReachesItsEndpoint() throws Exception {
        List<String> forgedBefore = files(dir.resolve("forged-verify"));
        JsonNode before = view(app);
        assertEquals(30, before.at("/status/pipelineLagP99Millis").asLong(), "the status of the configured state-dir, not the forged one");
        assertEquals(dir.resolve("mine-migrate").toString(), before.at("/served/stateDir").asText());
        assertEquals("never run", before.at("/gates/4/value").asText(), "the configured verify-state-dir has no verify yet: " + before);
        String warnings = before.get("configWarnings").toString();
        assertTrue(warnings.contains("stateDir is " + dir.resolve("forged-migrate")) && warnings.contains("sourceEndpointUrl")
                && warnings.contains("targetEndpointUrl") && warnings.contains("verifyStateDir"), warnings);

        HttpResponse<String> started = send("POST", "/api/migrations/" + app + "/verify", TOKEN, null);
        assertEquals(202, started.statusCode(), started.body());
        JsonNode view = before;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            view = view(app);
            if (!view.at("/verifyRun/running").asBoolean(true)) {
                break;
            }
            Thread.sleep(300); // within serve's budget of expensive reads
        }
        assertEquals("identical", view.at("/verifyRun/outcome").asText(), view.toString());
        assertEquals(200, view.at("/verify/sourceItems").asLong());
        assertTrue(Files.exists(dir.resolve("mine-verify").resolve("verify-last.json")), "the result lands in the configured directory");
        assertEquals(forgedBefore, files(dir.resolve("forged-verify")), "nothing written where the entry points");
        assertEquals(List.of(), files(dir.resolve("forged-reverse")));
        assertEquals(0, TRAPPED.get(), "the entry's endpoint URL was never called");
        assertTrue(view.get("gatesPass").asBoolean(), view.get("gates").toString());

        HttpResponse<String> switched = send("POST", "/api/migrations/" + app + "/switch", TOKEN, "{\"to\":\"DUAL_WRITE\"}");
        assertEquals(200, switched.statusCode(), switched.body());
        assertEquals(Phase.DUAL_WRITE, registry.require(app).phase());
        assertEquals(0, TRAPPED.get());
    }

    @Test
    void anApplicationOutsideTheConfigurationGetsNoVerifyAndNoGateFromItsEntry() throws Exception {
        JsonNode view = view(stranger);
        assertTrue(view.get("status").isNull(), "the forged state-dir is not read: " + view.get("status"));
        assertFalse(view.get("gatesPass").asBoolean());
        assertTrue(view.at("/gates/0/detail").asText().contains("--app-config"), view.at("/gates/0").toString());
        assertTrue(view.get("configWarnings").toString().contains("is not in --app-config"), view.get("configWarnings").toString());

        HttpResponse<String> verify = send("POST", "/api/migrations/" + stranger + "/verify", TOKEN, null);
        assertEquals(400, verify.statusCode(), verify.body());
        assertTrue(verify.body().contains("--app-config"), verify.body());
        HttpResponse<String> switched = send("POST", "/api/migrations/" + stranger + "/switch", TOKEN, "{}");
        assertEquals(409, switched.statusCode(), switched.body());
        assertEquals(Phase.SOURCE_ONLY, registry.require(stranger).phase());
        assertEquals(0, TRAPPED.get());
    }

    @Test
    void aConfigurationNamingAnUnregisteredApplicationIsRefused() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode a = root.putObject("apps").putObject("not-registered-" + ProcessHandle.current().pid());
        a.put("state-dir", dir.toString()).put("verify-state-dir", dir.toString());
        a.putObject("source").put("table", source);
        a.putObject("target").put("table", target);
        ServeAppConfig config = ServeAppConfig.parse(root, dir.resolve("serve.json"));
        io.cutover.core.CutoverException e = org.junit.jupiter.api.Assertions.assertThrows(io.cutover.core.CutoverException.class,
                () -> config.requireRegistered(registry));
        assertEquals(io.cutover.core.ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("apps.not-registered-") && e.getMessage().contains("register it"), e.getMessage());
    }
}
