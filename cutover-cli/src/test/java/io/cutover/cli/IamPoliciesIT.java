package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Store;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The least-privilege policies of docs/iam/ against what the code really asks DynamoDB for: the operator's commands
 * (registry, migrate with the fence, verify, switch, rollback, failback, forget-instance), an application's
 * MigratingStore through every phase with reports on, and serve (views, metrics, history, verify, switch, rollback) run
 * against DynamoDB Local, each under its own access key, while {@link IamRecorder} records every request as IAM would
 * authorize it. Every recorded request must be allowed by that role's policy (action, resource and the
 * {@code dynamodb:LeadingKeys} condition). DynamoDB Local does not enforce IAM: this checks the policies against the
 * code, not the service's evaluation of them (docs/iam.md).
 */
class IamPoliciesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGISTRY = "cutover-registry";
    private static final String APP = "shop";
    /**
     * Allowed actions this run cannot exercise, each for a reason: copying tags (DynamoDB Local refuses tagging, so the
     * source has none to copy), and the journal's replay of a delete of an item written before versioned writes. Any
     * other allowed action the run never used is a privilege too many.
     */
    private static final Map<String, Set<String>> NOT_EXERCISED = Map.of("operator", Set.of("dynamodb:TagResource"),
            "application", Set.of("dynamodb:DeleteItem"), "serve", Set.of());
    private static final Path POLICIES = Path.of(System.getProperty("user.dir")).getParent().resolve("docs").resolve("iam");

    @TempDir
    Path dir;

    private String url;

    private String[] registryFlags(String profile) {
        return new String[] {"--registry-endpoint-url", url, "--registry-profile", profile};
    }

    private CliRun operator(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!args[0].equals("migrate") && !args[0].equals("verify")) {
            all.addAll(List.of(registryFlags("operator")));
        }
        CliRun run = CliRun.of(all.toArray(String[]::new));
        assertEquals(0, run.exitCode(), String.join(" ", args) + ":\n" + run.all());
        return run;
    }

    @Test
    void everyRequestOfEachRoleIsAllowedByItsPolicy() throws Exception {
        Path creds = dir.resolve("credentials");
        Path config = dir.resolve("config");
        Files.writeString(creds, "[operator]\naws_access_key_id = operator\naws_secret_access_key = x\n"
                + "[serve]\naws_access_key_id = serve\naws_secret_access_key = x\n");
        Files.writeString(config, "[profile operator]\nregion = us-east-1\n[profile serve]\nregion = us-east-1\n");
        String oldCreds = System.setProperty("aws.sharedCredentialsFile", creds.toString());
        String oldConfig = System.setProperty("aws.configFile", config.toString());
        List<IamRecorder.Call> calls;
        try (LocalDynamoDb db = LocalDynamoDb.startInProcess(); DynamoDbClient admin = client(db.endpoint(), "admin")) {
            url = db.endpoint().toString();
            LocalTables.create(admin, SampleItems.withStream(SampleItems.plainTable("shop")));
            LocalTables.load(admin, "shop", 200, new SampleItems(3, 50)::item);
            admin.updateTimeToLive(b -> b.tableName("shop").timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
            Path m = Files.createDirectories(dir.resolve("migrate"));
            Path v = Files.createDirectories(dir.resolve("verify"));
            Path r = Files.createDirectories(dir.resolve("reverse"));
            IamRecorder.start(REGISTRY);
            try {
                operatorBeforeTheSwitch(m, v, r);
                application(db.endpoint());
                serve(m, v, r);
            } finally {
                calls = IamRecorder.stop();
            }
        } finally {
            restore("aws.sharedCredentialsFile", oldCreds);
            restore("aws.configFile", oldConfig);
        }

        Map<String, List<IamRecorder.Call>> byPrincipal = calls.stream().collect(Collectors.groupingBy(IamRecorder.Call::principal));
        assertEquals(Set.of("operator", "application", "serve"), byPrincipal.keySet(),
                "every request of the run is signed by one of the three roles (none fell back to other credentials)");
        for (String role : List.of("operator", "application", "serve")) {
            IamPolicy policy = IamPolicy.load(POLICIES.resolve(role + ".json"));
            List<IamRecorder.Call> mine = byPrincipal.get(role);
            Set<String> streams = mine.stream().filter(c -> c.resource().contains("/stream/")).map(IamRecorder.Call::resource)
                    .collect(Collectors.toCollection(TreeSet::new));
            List<String> denied = new ArrayList<>();
            for (IamRecorder.Call c : new java.util.LinkedHashSet<>(mine)) {
                Set<String> resources = c.resource().equals(IamRecorder.STREAMS_OPENED) ? streams : Set.of(c.resource());
                assertFalse(resources.isEmpty(), "GetRecords without a stream opened: " + c);
                for (String res : resources) {
                    if (!policy.allows(c.action(), res, c.leadingKeys())) {
                        denied.add(c.action() + " on " + res + (c.leadingKeys().isEmpty() ? "" : " with leading keys " + c.leadingKeys()));
                    }
                }
            }
            assertTrue(denied.isEmpty(), "docs/iam/" + role + ".json does not allow what the " + role + " does:\n  "
                    + String.join("\n  ", new TreeSet<>(denied)));
            Set<String> used = mine.stream().map(IamRecorder.Call::action).collect(Collectors.toCollection(TreeSet::new));
            Set<String> unused = new TreeSet<>(policy.actions());
            unused.removeAll(used);
            System.out.println(role + " used " + used + "; allowed but not seen in this run: " + unused);
            assertTrue(NOT_EXERCISED.get(role).containsAll(unused), "docs/iam/" + role + ".json allows what the " + role
                    + " never asked for here (least privilege): " + unused);
        }

        // The application's own reports and entry, and nothing else of the registry.
        IamPolicy app = IamPolicy.load(POLICIES.resolve("application.json"));
        String registry = IamRecorder.table(REGISTRY);
        assertTrue(byPrincipal.get("application").stream().anyMatch(c -> c.action().equals("dynamodb:PutItem")
                && c.resource().equals(registry) && c.leadingKeys().equals(Set.of("clients#" + APP))), "the application reported");
        assertTrue(app.allows("dynamodb:PutItem", registry, Set.of("clients#" + APP)));
        assertFalse(app.allows("dynamodb:PutItem", registry, Set.of(APP)), "an application must never write its entry");
        assertFalse(app.allows("dynamodb:UpdateItem", registry, Set.of(APP)));
        assertFalse(app.allows("dynamodb:DeleteItem", registry, Set.of(APP)));
        assertFalse(app.allows("dynamodb:PutItem", registry, Set.of("clients#other")), "nor another application's reports");
        assertFalse(app.allows("dynamodb:GetItem", registry, Set.of("other")), "nor read another application's entry");
        assertFalse(app.allows("dynamodb:Scan", registry, Set.of()));
        assertFalse(IamPolicy.load(POLICIES.resolve("serve.json")).allows("dynamodb:PutItem", IamRecorder.table("shop-v2"), Set.of()),
                "serve never writes the tables");
    }

    private static void restore(String property, String old) {
        if (old == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, old);
        }
    }

    private static DynamoDbClient client(URI endpoint, String key) {
        return DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key, "x"))).build();
    }

    private void operatorBeforeTheSwitch(Path m, Path v, Path r) {
        operator("registry", "register", "--app", APP, "--source-table", "shop", "--target-table", "shop-v2", "--state-dir", m.toString(),
                "--verify-state-dir", v.toString(), "--reverse-state-dir", r.toString(), "--reason", "iam");
        List<String> migrate = new ArrayList<>(List.of("migrate", "--endpoint-url", url, "--source-profile", "operator", "--target-profile",
                "operator", "--source-table", "shop", "--target-table", "shop-v2", "--state-dir", m.toString(), "--until", "in-sync",
                "--no-progress", "--fence-app", APP));
        migrate.addAll(List.of(registryFlags("operator")));
        operator(migrate.toArray(String[]::new));
        operator("verify", "--endpoint-url", url, "--source-profile", "operator", "--target-profile", "operator", "--source-table", "shop",
                "--target-table", "shop-v2", "--state-dir", v.toString(), "--no-progress");
        operator("switch", "--app", APP, "--max-status-age", "600", "--reason", "iam");
        List<String> reverse = new ArrayList<>(List.of("migrate", "--endpoint-url", url, "--source-profile", "operator", "--target-profile",
                "operator", "--source-table", "shop-v2", "--target-table", "shop", "--state-dir", r.toString(), "--capture-only",
                "--enable-stream", "--until", "in-sync", "--no-progress", "--fence-app", APP));
        reverse.addAll(List.of(registryFlags("operator")));
        operator(reverse.toArray(String[]::new));
        operator("registry", "show", "--app", APP);
        operator("registry", "list");
        operator("registry", "history", "--app", APP);
    }

    /** An application instance through every phase, the operator switching it (with --force: the reverse is not running). */
    private void application(URI endpoint) throws Exception {
        try (DynamoDbClient c = client(endpoint, "application")) {
            EndpointRegistry registry = new EndpointRegistry(c, REGISTRY);
            try (RegistryWatcher watcher = new RegistryWatcher(registry, APP, Duration.ofMillis(100)).start();
                 MigratingStore store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(c, "shop"))
                         .target(DynamoDbStore.of(c, "shop-v2")).journalDir(dir.resolve("journal")).instance("app-1")
                         .reportToRegistry(true).build()) {
                use(store, Phase.DUAL_WRITE, 1);
                operator("switch", "--app", APP, "--force", "--to", "DUAL_WRITE_TARGET_READS", "--reason", "iam");
                use(store, Phase.DUAL_WRITE_TARGET_READS, 2);
                operator("switch", "--app", APP, "--force", "--to", "TARGET_ONLY", "--reason", "iam");
                use(store, Phase.TARGET_ONLY, 3);
                operator("rollback", "--app", APP, "--from", "TARGET_ONLY", "--reason", "iam");
                use(store, Phase.DUAL_WRITE_TARGET_READS, 4);
                operator("failback", "--app", APP, "--from", "DUAL_WRITE_TARGET_READS", "--force", "--reason", "iam");
                use(store, Phase.DUAL_WRITE, 5);
                Thread.sleep(1500); // at least one report after the last phase
            }
        }
        long version = JSON.readTree(operator("registry", "show", "--app", APP, "--output", "json").out()).get("version").asLong();
        operator("registry", "forget-instance", "--app", APP, "--instance", "app-1", "--expect-version", Long.toString(version),
                "--reason", "iam: the instance is gone");
    }

    private static void use(MigratingStore store, Phase phase, int round) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (store.phase() != phase && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(phase, store.phase());
        String id = "iam#" + round;
        store.put(item(id, "a"));
        store.get(key(id));
        store.update(key(id), new Store.Update("SET #v = :v", Map.of("#v", "value"), Map.of(":v", AttributeValue.fromS("b"))));
        store.putIf(item(id + "-new", "c"), new Store.Condition("attribute_not_exists(pk)", null, null));
        store.transact(List.of(new Store.Put(item(id + "-tx", "d"), null),
                new Store.Change(key(id), new Store.Update("SET #v = :v", Map.of("#v", "value"), Map.of(":v", AttributeValue.fromS("e"))), null),
                new Store.Check(key(id + "-new"), new Store.Condition("attribute_exists(pk)", null, null))));
        store.delete(key(id + "-new"));
        store.drainOnce();
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS(id), "sk", AttributeValue.fromS("x"));
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(key(id));
        item.put("value", AttributeValue.fromS(value));
        return item;
    }

    /** serve as the command starts it, on its own --app-config and the serve profile. */
    private void serve(Path m, Path v, Path r) throws Exception {
        Path appConfig = dir.resolve("serve.yaml");
        Files.writeString(appConfig, String.join("\n", "apps:", "  " + APP + ":", "    state-dir: " + m, "    verify-state-dir: " + v,
                "    reverse-state-dir: " + r, "    source: {table: shop, endpoint-url: '" + url + "', profile: serve}",
                "    target: {table: shop-v2, endpoint-url: '" + url + "', profile: serve}", ""));
        Path tokenFile = dir.resolve("token");
        ServeCommand command = new ServeCommand();
        List<String> args = new ArrayList<>(List.of("--port", "0", "--app-config", appConfig.toString(), "--token-file", tokenFile.toString()));
        args.addAll(List.of(registryFlags("serve")));
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        HttpClient http = HttpClient.newHttpClient();
        try (ServeCommand.Running running = command.open()) {
            URI base = running.server().url();
            String token = Files.readString(tokenFile).trim();
            for (String path : List.of("/api/migrations", "/api/migrations/" + APP, "/api/migrations/" + APP + "/history", "/metrics", "/readyz")) {
                assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), path);
                Thread.sleep(150); // within the budget of expensive reads
            }
            assertEquals(202, post(http, base, token, "/verify", "{}").statusCode());
            long deadline = System.nanoTime() + 60_000_000_000L;
            JsonNode view;
            do {
                Thread.sleep(300);
                view = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/api/migrations/" + APP)).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
            } while (view.at("/verifyRun/running").asBoolean(true) && System.nanoTime() < deadline);
            // TARGET_ONLY's writes reached only the target: "different" is the right answer; "failed" would be a denied call.
            assertTrue(Set.of("identical", "different").contains(view.at("/verifyRun/outcome").asText()), view.toString());
            assertFalse(view.get("served").has("fix"), view.get("served").toString());
            assertEquals(200, post(http, base, token, "/rollback", "{\"from\":\"DUAL_WRITE\",\"reason\":\"iam\"}").statusCode());
            HttpResponse<String> switched = post(http, base, token, "/switch", "{\"to\":\"DUAL_WRITE\",\"force\":true,\"reason\":\"iam\"}");
            assertEquals(200, switched.statusCode(), switched.body());
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI base, String token, String action, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/api/migrations/" + APP + action)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
