package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.local.LocalTables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The hostile-input tier of {@code cutover serve}: what someone on the network, or a web page the
 * operator opened, can send. Every answer is a clear 4xx (or 503 for a busy server), nothing is
 * written to the registry or the disk, and no internal detail comes back. Raw sockets, because an
 * HTTP client will not send a forged Host header or a malformed request.
 */
class ControlServerHostileInputIT {
    private static final String TOKEN = "test-token-0123456789abcdef";
    private static DynamoDbClient client;
    private static EndpointRegistry registry;
    private static ControlServer server;
    private static VerifyRunner verifies;
    private static String app;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        client = LocalTables.client(LocalTables.shared());
        registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
        app = LocalTables.uniqueName("app");
        String endpoint = LocalTables.shared().endpoint().toString();
        registry.register(app, new StoreEndpoint("src", endpoint, null), new StoreEndpoint("tgt", endpoint, null),
                dir.resolve("m").toString(), dir.resolve("v").toString(), "test", null);
        verifies = new VerifyRunner();
        // 3 threads, 1 kept for state changes; 2 expensive reads a second (burst 4)
        server = new ControlServer(new PhaseSwitcher(registry, new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC())), verifies, TOKEN,
                ControlServerSettings.loopback("127.0.0.1", 0).withAllowedHosts(Set.of("cutover.internal")).withLimits(3, 1, 2)).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        verifies.close();
        client.close();
    }

    /** Sends raw bytes, returns the whole answer (status line first), or "" when the server closed without one. */
    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    private static String post(String path, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return raw("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n" + body);
    }

    private static String get(String path, String host) throws IOException {
        return raw("GET " + path + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n") + "Connection: close\r\n\r\n");
    }

    private static int status(String answer) {
        return answer.isEmpty() ? -1 : Integer.parseInt(answer.substring(9, 12));
    }

    private static void assertNothingChanged() throws IOException {
        assertEquals(Phase.SOURCE_ONLY, registry.require(app).phase());
        assertEquals(1, registry.history(app).size(), "no audit record written");
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(List.of(dir), files.toList(), "nothing written to disk");
        }
    }

    /**
     * A read, again while the server answers 503 BUSY: a reader's slot is released only after the server closed the
     * exchange, which can come after the client already read the previous answer (a race of the test, not a refusal).
     */
    private static String getWhenFree(String path, String host) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            String answer = get(path, host);
            if (status(answer) != 503 || !answer.contains("BUSY") || System.nanoTime() > deadline) {
                return answer;
            }
            Thread.sleep(50);
        }
    }

    private static void awaitReadBudget() throws InterruptedException {
        Thread.sleep(2_100); // the expensive-read bucket refills (2/s, burst 4)
    }

    @Test
    void aForeignHostHeaderIsRefusedAndConfiguredNamesServed() throws Exception {
        awaitReadBudget();
        String rebound = get("/api/migrations", "attacker.example:" + server.port());
        assertEquals(421, status(rebound), rebound);
        assertFalse(rebound.contains(app) || rebound.contains(dir.toString()), "nothing of the registry leaks: " + rebound);
        assertEquals(421, status(get("/healthz", null)), "no Host header");
        assertEquals(200, status(getWhenFree("/healthz", "cutover.internal:" + server.port())));
        assertEquals(200, status(getWhenFree("/healthz", "localhost")));
        String viaIp = getWhenFree("/api/migrations/" + app, "127.0.0.1:" + server.port());
        assertEquals(200, status(viaIp), viaIp);
    }

    @Test
    void expensiveReadsOverTheRateGet429AndCheapOnesDoNot() throws Exception {
        awaitReadBudget();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            statuses.add(status(get("/api/migrations", "127.0.0.1")));
        }
        assertTrue(statuses.contains(429), statuses.toString());
        assertTrue(statuses.subList(0, 3).stream().allMatch(s -> s == 200), "a burst is served first: " + statuses);
        String limited = get("/metrics", "127.0.0.1");
        assertEquals(429, status(limited));
        assertTrue(limited.toLowerCase(java.util.Locale.ROOT).contains("retry-after: "), limited);
        assertEquals(200, status(get("/healthz", "127.0.0.1")), "health is cheap and never limited");
    }

    @Test
    void malformedOversizedAndUnexpectedBodiesGet4xxAndChangeNothing() throws Exception {
        String base = "/api/migrations/" + app;
        assertEquals(400, status(post(base + "/rollback", "{\"reason\": ")), "malformed");
        assertEquals(400, status(post(base + "/rollback", "[1,2,3]")), "not an object");
        String unknown = post(base + "/rollback", "{\"reason\":\"x\",\"verifyStateDir\":\"/tmp/evil\"}");
        assertEquals(400, status(unknown), unknown);
        assertTrue(unknown.contains("unknown field 'verifyStateDir'"), unknown);
        assertEquals(400, status(post(base + "/switch", "{\"to\":{\"$ne\":1}}")), "a nested value");
        // 40 KB: over the 16 KB limit, under what the JDK drains before closing (a larger one is cut off with a reset)
        String big = post(base + "/switch", "{\"reason\":\"" + "x".repeat(40_000) + "\"}");
        assertEquals(413, status(big), big.length() > 300 ? big.substring(0, 300) : big);
        String deep = post(base + "/switch", "[".repeat(5_000) + "]".repeat(5_000));
        assertTrue(status(deep) == 400 || status(deep) == 413, deep.length() > 300 ? deep.substring(0, 300) : deep);
        assertFalse(deep.contains("Exception") || deep.contains("\tat "), "no stack trace");
        assertNothingChanged();
    }

    @Test
    void pathTricksInTheApplicationIdAreRefused() throws Exception {
        for (String trick : new String[] {"..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..", ".hidden", "a%00b", "a%2Fb", "a;rm", "%2Ftmp%2Fx",
            "a%5C..%5Cb", "x".repeat(150)}) {
            String answer = post("/api/migrations/" + trick + "/verify", "{}");
            int s = status(answer);
            assertTrue(s == 400 || s == 404, trick + ": " + answer);
            assertFalse(answer.contains("passwd") && answer.contains("root:"), answer);
        }
        assertNothingChanged();
    }

    /** The JDK server closes the connection over its header limits, before any handler runs: no status line at all. */
    @Test
    void hugeHeadersAreRefusedByClosingTheConnection() throws Exception {
        String answer = raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n");
        assertEquals(-1, status(answer), answer.length() > 200 ? answer.substring(0, 200) : answer);
        StringBuilder many = new StringBuilder("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (int i = 0; i < 500; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        assertEquals(-1, status(raw(many.append("\r\n").toString())));
        assertEquals(200, status(get("/healthz", "127.0.0.1")), "and the server goes on serving");
    }

    @Test
    void slowClientsHoldingEveryReadThreadCannotStarveARollback() throws Exception {
        // Two GETs that announce a body and never send it: each worker answers, then waits to drain it.
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertTrue(readHead(s.getInputStream()).startsWith("HTTP/1.1 200"));
                slow.add(s);
            }
            Thread.sleep(200);
            String busy = get("/healthz", "127.0.0.1");
            assertEquals(503, status(busy), "reads may not take the kept thread: " + busy);
            String rollback = post("/api/migrations/" + app + "/rollback", "{\"reason\":\"slow clients\"}");
            assertNotEquals(503, status(rollback), rollback);
            assertNotEquals(-1, status(rollback), "the rollback was answered");
            assertTrue(rollback.contains("SOURCE_ONLY") || rollback.contains("CONFLICT") || rollback.contains("409"), rollback);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!head.toString(StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
        } catch (SocketTimeoutException e) {
            // return what came
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
