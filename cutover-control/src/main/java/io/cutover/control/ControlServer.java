package io.cutover.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cutover.client.ClientReport;
import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cutover serve}: the HTTP API, Prometheus metrics and the dashboard, on the JDK's own HTTP
 * server (docs/decisions/0034-http-api.md). Reads need no token; every request that changes state
 * (POST, DELETE) needs {@code Authorization: Bearer TOKEN}: none gives 401, a wrong one 403. Conflicts
 * (a lost race, refused gates, a verify already running) give 409 with the message. The API returns
 * the same records the CLI prints. State directories, tables and endpoints come from the switcher's {@link AppSetups}
 * ({@code cutover serve}: its own {@code --app-config}, never the registry entry; decision 0120).
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/api/migrations";
    private static final Map<String, String> STATIC = Map.of("/", "index.html", "/index.html", "index.html",
            "/dashboard.js", "dashboard.js", "/dashboard.css", "dashboard.css");

    static {
        // The JDK server reads these once, when its first server is made: bound how long a client may
        // take to send a request or read a response, and how large the headers may be (docs/decisions/0080).
        setDefault("sun.net.httpserver.maxReqTime", "10");
        setDefault("sun.net.httpserver.maxRspTime", "30");
        setDefault("sun.net.httpserver.maxReqHeaderSize", Integer.toString(ControlServerSettings.DEFAULT_MAX_HEADER_BYTES));
        setDefault("sun.net.httpserver.maxReqHeaders", "64");
    }

    private final PhaseSwitcher switcher;
    private final VerifyRunner verifies;
    private final byte[] token;
    private final HttpServer server;
    private final ExecutorService pool;
    private final ControlServerSettings settings;
    private final AllowedHosts hosts;
    private final ExpensiveReadLimit expensiveReads;
    /** Reads may hold at most threads - reserved workers, so a switch or rollback always finds one. */
    private final java.util.concurrent.Semaphore readers;

    public ControlServer(PhaseSwitcher switcher, VerifyRunner verifies, String token, InetSocketAddress bind) {
        this(switcher, verifies, token, ControlServerSettings.loopback(bind.getHostString(), bind.getPort()));
    }

    public ControlServer(PhaseSwitcher switcher, VerifyRunner verifies, String token, ControlServerSettings settings) {
        if (token == null || token.length() < 16) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the API token must be at least 16 characters");
        }
        this.switcher = switcher;
        this.verifies = verifies;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.settings = settings;
        this.hosts = new AllowedHosts(settings.allowedHosts());
        this.expensiveReads = new ExpensiveReadLimit(settings.expensiveReadsPerSecond(), System::nanoTime);
        this.readers = new java.util.concurrent.Semaphore(settings.threads() - settings.reservedForChanges());
        InetSocketAddress bind = new InetSocketAddress(settings.bindHost(), settings.port());
        try {
            if (settings.tls()) {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(bind, 64);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(PemTlsContext.load(settings.tlsCert(), settings.tlsKey())));
                this.server = https;
            } else {
                this.server = HttpServer.create(bind, 64);
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot listen on " + bind.getHostString() + ":" + bind.getPort() + ": "
                    + e.getMessage() + " (check --bind and --port)", e);
        }
        this.pool = Executors.newFixedThreadPool(settings.threads(), r -> {
            Thread t = new Thread(r, "cutover-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    public ControlServer start() {
        server.start();
        LOG.info("serving on {}", url());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI url() {
        String host = server.getAddress().getAddress().isAnyLocalAddress() ? "127.0.0.1" : server.getAddress().getHostString();
        return URI.create((settings.tls() ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    private void handle(HttpExchange x) throws IOException {
        boolean read = x.getRequestMethod().equals("GET") || x.getRequestMethod().equals("HEAD");
        if (read && !readers.tryAcquire()) {
            try (x) {
                x.getResponseHeaders().set("Retry-After", "1");
                send(x, 503, Map.of("error", Map.of("code", "BUSY", "message",
                        "every thread for reads is busy; the rest are kept for switch and rollback: retry in a second")));
            }
            return;
        }
        try {
            serve(x);
        } finally {
            if (read) {
                readers.release(); // after the exchange closed: draining a slow client's body counts too
            }
        }
    }

    private void serve(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            try {
                if (!hosts.allows(x.getRequestHeaders().getFirst("Host"))) {
                    send(x, 421, Map.of("error", Map.of("code", "HOST_NOT_ALLOWED", "message", "this server does not answer to that Host"
                            + " header (a guard against DNS rebinding): use its address, localhost, or a name given to cutover serve --allowed-host")));
                    return;
                }
                if (method.equals("GET") && expensive(path) && !expensiveReads.tryTake()) {
                    x.getResponseHeaders().set("Retry-After", Long.toString(expensiveReads.retryAfterSeconds()));
                    send(x, 429, Map.of("error", Map.of("code", "TOO_MANY_REQUESTS", "message",
                            "too many registry reads: at most " + settings.expensiveReadsPerSecond() + " a second; retry after Retry-After")));
                    return;
                }
                route(x, method, path);
            } catch (BodyTooLarge e) {
                send(x, 413, Map.of("error", error(e)));
            } catch (SwitchRefusedException e) {
                Map<String, Object> body = error(e);
                body.put("gates", e.gates());
                send(x, 409, Map.of("error", body));
            } catch (CutoverException e) {
                send(x, statusFor(e), Map.of("error", error(e)));
            } catch (RuntimeException e) {
                String ref = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
                LOG.warn("{} {} failed (reference {})", method, abbreviate(path), ref, e);
                // nothing of the failure itself (paths, endpoints, SDK messages) goes to the client
                send(x, 500, Map.of("error", Map.of("code", "INTERNAL", "message", "internal error; the server log has it under reference " + ref)));
            }
        }
    }

    /** The reads that scan the registry or read status and dead-letter files. */
    private static boolean expensive(String path) {
        return path.startsWith(API) || path.equals("/metrics") || path.equals("/readyz");
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private void route(HttpExchange x, String method, String path) throws IOException {
        if (method.equals("GET") && STATIC.containsKey(path)) {
            serveStatic(x, STATIC.get(path));
        } else if (method.equals("GET") && path.equals("/healthz")) {
            sendText(x, 200, "text/plain; charset=utf-8", "ok\n");
        } else if (method.equals("GET") && path.equals("/readyz")) {
            ready(x);
        } else if (method.equals("GET") && path.equals("/metrics")) {
            sendText(x, 200, "text/plain; version=0.0.4; charset=utf-8", PrometheusMetrics.render(views()));
        } else if (method.equals("GET") && (path.equals(API) || path.equals(API + "/"))) {
            send(x, 200, Map.of("migrations", views()));
        } else if (path.startsWith(API + "/")) {
            migration(x, method, path.substring(API.length() + 1).split("/"));
        } else {
            send(x, 404, Map.of("error", Map.of("code", "NOT_FOUND", "message", "no such resource: " + abbreviate(method) + " " + abbreviate(path))));
        }
    }

    private void migration(HttpExchange x, String method, String[] parts) throws IOException {
        String app = parts[0];
        if (!app.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}") || app.contains("..")) {
            send(x, 400, Map.of("error", Map.of("code", "CONFIG_INVALID", "message",
                    "not an application id: use letters, digits, '.', '_' or '-' (at most 100), as registered")));
            return;
        }
        String action = parts.length > 1 ? String.join("/", java.util.Arrays.copyOfRange(parts, 1, parts.length)) : "";
        boolean changes = !method.equals("GET") && !method.equals("HEAD");
        if (changes && !authorised(x)) {
            return;
        }
        RegistryEntry entry = switcher.registry().get(app).orElse(null);
        if (entry == null) {
            send(x, 404, Map.of("error", Map.of("code", "NOT_FOUND", "message", "no application '" + app + "' in the registry table "
                    + switcher.registry().table())));
            return;
        }
        String by = "api:" + x.getRemoteAddress().getAddress().getHostAddress();
        switch (method + " " + action) {
            case "GET " -> send(x, 200, view(entry));
            case "GET history" -> send(x, 200, Map.of("history", switcher.registry().history(app)));
            case "POST switch" -> {
                JsonNode body = body(x, "from", "to", "force", "reason", "by");
                Optional<Phase> from = text(body, "from").map(t -> Phase.parse(t, "from"));
                if (from.isPresent() && from.get() != entry.phase()) {
                    // The page (or script) acted on a phase that is no longer current: a second click or a second operator.
                    throw new CutoverException(ErrorCode.CONFLICT, app + " is at " + entry.phase() + ", not " + from.get()
                            + " (registry version " + entry.version() + "): reload and decide again");
                }
                Optional<Phase> to = text(body, "to").map(t -> Phase.parse(t, "to"));
                send(x, 200, switcher.switchPhase(app, to, body.path("force").asBoolean(false), text(body, "reason").orElse(null),
                        text(body, "by").map(b -> b + " (" + by + ")").orElse(by)));
            }
            case "POST rollback" -> {
                JsonNode body = body(x, "from", "reason", "by");
                Phase from = text(body, "from").map(t -> Phase.parse(t, "from")).orElse(null);
                send(x, 200, switcher.rollback(app, from, text(body, "reason").orElse(null),
                        text(body, "by").map(b -> b + " (" + by + ")").orElse(by)));
            }
            case "POST failback" -> {
                JsonNode body = body(x, "from", "force", "reason", "by");
                Phase from = text(body, "from").map(t -> Phase.parse(t, "from")).orElse(null);
                send(x, 200, switcher.failback(app, from, body.path("force").asBoolean(false), text(body, "reason").orElse(null),
                        text(body, "by").map(b -> b + " (" + by + ")").orElse(by)));
            }
            case "POST verify" -> send(x, 202, verifies.start(switcher.setups().of(entry)));
            case "POST verify/stop", "DELETE verify" -> send(x, 200, verifies.stop(app).orElseThrow(() -> new CutoverException(
                    ErrorCode.CONFLICT, "no verify of '" + app + "' has run in this server")));
            default -> send(x, changes ? 404 : 405, Map.of("error", Map.of("code", "NOT_FOUND", "message", "no such resource: " + method
                    + " " + abbreviate(x.getRequestURI().getPath()))));
        }
    }

    private boolean authorised(HttpExchange x) throws IOException {
        String header = x.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"cutover\"");
            send(x, 401, Map.of("error", Map.of("code", "UNAUTHORIZED", "message",
                    "this request changes state: send 'Authorization: Bearer TOKEN' (the token cutover serve wrote to its token file)")));
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            send(x, 403, Map.of("error", Map.of("code", "FORBIDDEN", "message", "the bearer token is wrong")));
            return false;
        }
        return true;
    }

    private void ready(HttpExchange x) throws IOException {
        try {
            switcher.registry().list();
            sendText(x, 200, "text/plain; charset=utf-8", "ready\n");
        } catch (CutoverException e) {
            sendText(x, 503, "text/plain; charset=utf-8", "registry not reachable: " + e.getMessage() + "\n");
        }
    }

    /** Every application, as the API and the metrics show it. */
    public List<MigrationView> views() {
        return switcher.registry().list().stream().map(this::view).toList();
    }

    private MigrationView view(RegistryEntry e) {
        // Paths and tables from serve's own configuration, never from the entry (decision 0120).
        AppSetup setup = switcher.setups().of(e);
        var status = setup.state().flatMap(d -> quietly(() -> DynamoDbMigration.lastStatus(d))).orElse(null);
        // The run before its result file: a run saves the file before it records itself finished, so a view that shows a
        // finished run also shows its result (read the other way round, a verify ending in between showed neither).
        var verifyRun = verifies.run(e.app()).orElse(null);
        var verify = Optional.ofNullable(setup.verifyStateDir()).flatMap(d -> quietly(() -> DynamoDbVerification.last(d))).orElse(null);
        List<ClientReport> clients = switcher.registry().clients(e.app());
        Instant now = switcher.registry().now();
        List<Gate> gates = switcher.gates().evaluate(e, setup, clients, now);
        var reverse = setup.reverse().flatMap(d -> quietly(() -> DynamoDbMigration.lastStatus(d))).orElse(null);
        List<Gate> failbackGates = e.phase() == Phase.DUAL_WRITE_TARGET_READS
                ? switcher.gates().evaluateFailback(e, setup, clients, now) : List.of();
        return new MigrationView(e.app(), e, status, verify, verifyRun, clients, gates,
                gates.stream().allMatch(Gate::passed), e.phase().next().orElse(null), e.phase().previous().orElse(null), reverse,
                failbackGates, setup, switcher.setups().warnings(e));
    }

    private static <T> Optional<T> quietly(java.util.function.Supplier<Optional<T>> read) {
        try {
            return read.get();
        } catch (CutoverException damaged) {
            return Optional.empty(); // a file being replaced; the next poll sees it
        }
    }

    private static int statusFor(CutoverException e) {
        return switch (e.code()) {
            case CONFLICT, GATES_REFUSED -> 409;
            case CONFIG_INVALID -> 400;
            case TABLE_NOT_FOUND, ENDPOINT_UNREACHABLE, CREDENTIALS -> 503;
            default -> 500;
        };
    }

    private static Map<String, Object> error(CutoverException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", e.code().name());
        body.put("message", e.getMessage());
        return body;
    }

    /** The request's JSON object, refused (400, or 413 when too large) unless it holds only {@code fields}. */
    private JsonNode body(HttpExchange x, String... fields) throws IOException {
        byte[] bytes = x.getRequestBody().readNBytes(settings.maxBodyBytes() + 1);
        if (bytes.length > settings.maxBodyBytes()) {
            throw new BodyTooLarge("the request body is larger than " + settings.maxBodyBytes() + " bytes: send only the fields "
                    + String.join(", ", fields));
        }
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "the request body must be a JSON object, for example {\"reason\":\"...\"}");
            }
            List<String> known = List.of(fields);
            for (java.util.Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!known.contains(f.getKey())) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, "unknown field '" + abbreviate(f.getKey()) + "' in the request body:"
                            + " this request takes " + String.join(", ", fields));
                }
                if (!f.getValue().isValueNode()) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, "field '" + f.getKey() + "' must be a string or a boolean, not an object or list");
                }
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the request body is not JSON: " + e.getOriginalMessage());
        }
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() || n.asText().isBlank() ? Optional.empty() : Optional.of(n.asText());
    }

    private void serveStatic(HttpExchange x, String name) throws IOException {
        try (InputStream in = ControlServer.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) {
                sendText(x, 404, "text/plain", "missing " + name);
                return;
            }
            String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
            x.getResponseHeaders().add("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:");
            sendBytes(x, 200, type + "; charset=utf-8", in.readAllBytes());
        }
    }

    private static void send(HttpExchange x, int status, Object body) throws IOException {
        sendBytes(x, status, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }

    private static void sendText(HttpExchange x, int status, String type, String body) throws IOException {
        sendBytes(x, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void sendBytes(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    /** A request body over the limit: 413, not 400. */
    private static final class BodyTooLarge extends CutoverException {
        BodyTooLarge(String message) {
            super(ErrorCode.CONFIG_INVALID, message);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
