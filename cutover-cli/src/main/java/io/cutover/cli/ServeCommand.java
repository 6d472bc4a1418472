package io.cutover.cli;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.RegistryEntry;
import io.cutover.control.ApiToken;
import io.cutover.control.ControlServer;
import io.cutover.control.ControlServerSettings;
import io.cutover.control.PhaseSwitcher;
import io.cutover.control.ServeAppConfig;
import io.cutover.control.SwitchGates;
import io.cutover.control.VerifyRunner;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code cutover serve}: the HTTP API, metrics and dashboard, until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the HTTP API, Prometheus metrics (/metrics) and the dashboard (/) for every registered application.",
                "Requests that change state need 'Authorization: Bearer TOKEN'; the token comes from $CUTOVER_TOKEN or --token-file",
                "(created with a random token, readable by you only, when absent). The token is never printed."})
public final class ServeCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = {"Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).",
            "Any address but loopback needs --tls-cert and --tls-key, or --insecure-http."})
    String bind;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain: serve HTTPS (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8, unencrypted) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--insecure-http", description = "Serve plain HTTP on a non-loopback --bind: the bearer token crosses the network in clear text.")
    boolean insecureHttp;

    @Option(names = "--allowed-host", paramLabel = "NAME", description = {"A host name clients use to reach this server (repeatable).",
            "Requests whose Host header is not one of these, localhost or an IP address are refused (DNS rebinding)."})
    java.util.List<String> allowedHosts = new java.util.ArrayList<>();

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 for any free port).")
    int port;

    @Option(names = "--app-config", paramLabel = "FILE", description = {"YAML or JSON: each application's state-dir, verify-state-dir,",
            "reverse-state-dir, and source and target tables (endpoint-url, region, profile). serve takes these from here, never from",
            "the registry entry; an application not named here is shown, but its gates cannot pass and it starts no verify."})
    Path appConfig;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = ".cutover/api-token", description = "Bearer token file (default: ${DEFAULT-VALUE}).")
    Path tokenFile;

    @Mixin
    RegistryOptions registry;

    @Mixin
    RegistryOptions.Limits limits;

    private final Printer printer = new Printer(OutputFormat.text, System.out, System.err);

    @Override
    public Printer printer() {
        return printer;
    }

    @Override
    public Integer call() throws InterruptedException {
        try (Running running = open()) {
            printer().note("Press Ctrl-C to stop.");
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(done::countDown));
            done.await();
        }
        return 0;
    }

    /** What serve holds while it runs; closed in reverse order. */
    record Running(DynamoDbClient client, VerifyRunner verifies, ControlServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            verifies.close();
            client.close();
        }
    }

    /** Everything serve does before it waits: validated (exit 2 before any request), connected, listening. */
    Running open() {
        ControlServerSettings settings = ControlServerSettings.loopback(bind, port).withAllowedHosts(java.util.Set.copyOf(allowedHosts))
                .withTls(tlsCert, tlsKey, insecureHttp);
        if (settings.exposedInClearText()) {
            printer().note("WARNING: --insecure-http: serving plain HTTP on " + bind + "; the bearer token and every answer cross the network"
                    + " in clear text. Use --tls-cert and --tls-key.");
        }
        ServeAppConfig apps = appConfig == null ? ServeAppConfig.none() : readAppConfig(appConfig);
        ApiToken.Loaded token = ApiToken.load(System.getenv(ApiToken.ENV), tokenFile);
        DynamoDbClient client = registry.client();
        VerifyRunner verifies = new VerifyRunner();
        try {
            EndpointRegistry reg = new EndpointRegistry(client, registry.table).ensureTable();
            apps.requireRegistered(reg);
            if (appConfig == null) {
                printer().note("WARNING: no --app-config: serve shows every application, but takes no state directory or endpoint"
                        + " from the registry, so no gate can pass and no verify starts here (docs/serve.md)");
            }
            for (RegistryEntry e : reg.list()) {
                apps.warnings(e).forEach(w -> printer().note("WARNING: " + e.app() + ": " + w));
            }
            PhaseSwitcher switcher = new PhaseSwitcher(reg, new SwitchGates(limits.limits(), Clock.systemUTC()), apps);
            ControlServer server = new ControlServer(switcher, verifies, token.token(), settings).start();
            printer().note("Serving the API and dashboard on " + server.url() + " (registry table " + reg.table() + ")");
            printer().note(token.file() == null ? "Bearer token: from $" + ApiToken.ENV
                    : (token.generated() ? "Generated a bearer token into " : "Bearer token: read from ") + token.file());
            return new Running(client, verifies, server);
        } catch (RuntimeException e) {
            verifies.close();
            client.close();
            throw e;
        }
    }

    /** The operator's own configuration of the applications, YAML or JSON; every problem at once, exit 2. */
    static ServeAppConfig readAppConfig(Path file) {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readTree(java.nio.file.Files.readString(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--app-config " + file + ": no such file (docs/serve.md shows one)");
        } catch (java.io.IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--app-config " + file + ": " + e.getMessage().split("\n")[0]
                    + " (the file must be YAML or JSON: 'apps: {orders-service: {state-dir: ..., ...}}')");
        }
        return ServeAppConfig.parse(root, file);
    }
}
