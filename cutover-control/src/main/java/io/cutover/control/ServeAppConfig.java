package io.cutover.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbTableName;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code cutover serve --app-config FILE}: the operator's own word on where each application's state directories and
 * tables are. serve's server-side work (the gates it evaluates, {@code POST verify}, the files its views read) takes
 * them from here and never from the registry entry: the entry is an item in a table that application instances write
 * to, and a forged one must not steer serve's writes or its calls (docs/decisions/0120-serve-trusts-its-own-configuration.md).
 * Validated once, every problem reported together with the key that holds it; immutable.
 *
 * <pre>
 * apps:
 *   orders-service:
 *     state-dir: /var/lib/cutover/orders/migrate          # required; relative paths are relative to the file
 *     verify-state-dir: /var/lib/cutover/orders/verify    # required
 *     reverse-state-dir: /var/lib/cutover/orders/reverse  # optional
 *     source: {table: orders, region: eu-west-1, profile: old-account}        # endpoint-url, region, profile optional
 *     target: {table: orders-v2, region: eu-west-1}
 * </pre>
 */
public final class ServeAppConfig implements AppSetups {
    private static final Set<String> APP_KEYS = Set.of("state-dir", "verify-state-dir", "reverse-state-dir", "source", "target");
    private static final Set<String> SIDE_KEYS = Set.of("table", "endpoint-url", "region", "profile");

    private final String origin;
    private final Map<String, AppSetup> apps;

    private ServeAppConfig(String origin, Map<String, AppSetup> apps) {
        this.origin = origin;
        this.apps = Map.copyOf(apps);
    }

    /** No {@code --app-config}: serve shows every application, but no gate can pass and no verify starts. */
    public static ServeAppConfig none() {
        return new ServeAppConfig("serve's --app-config (none given)", Map.of());
    }

    /**
     * Reads the tree of {@code file} (YAML or JSON, already parsed); refuses, with every problem at once, unknown keys, a
     * missing or unusable table, endpoint URL or directory. Relative directories are taken relative to the file's folder.
     */
    public static ServeAppConfig parse(JsonNode root, Path file) {
        String origin = "--app-config " + file;
        Path base = file.toAbsolutePath().normalize().getParent();
        List<String> problems = new ArrayList<>();
        Map<String, AppSetup> apps = new LinkedHashMap<>();
        if (root == null || !root.isObject()) {
            throw invalid(origin, List.of("expected a map with the key 'apps', for example 'apps: {orders-service: {state-dir: ...}}'"));
        }
        unknownKeys(root, Set.of("apps"), "", problems);
        JsonNode list = root.get("apps");
        if (list == null || !list.isObject() || list.isEmpty()) {
            problems.add("apps: name at least one application, each with its state-dir, verify-state-dir, source and target");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = list.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                AppSetup a = app(e.getKey(), e.getValue(), base, origin, problems);
                if (a != null) {
                    apps.put(e.getKey(), a);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw invalid(origin, problems);
        }
        return new ServeAppConfig(origin, apps);
    }

    private static AppSetup app(String app, JsonNode node, Path base, String origin, List<String> problems) {
        String key = "apps." + app;
        int before = problems.size();
        if (!app.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            problems.add(key + ": not an application id (letters, digits, '.', '_' or '-', at most 100), as registered");
        }
        if (node == null || !node.isObject()) {
            problems.add(key + ": expected the keys " + String.join(", ", new java.util.TreeSet<>(APP_KEYS)));
            return null;
        }
        unknownKeys(node, APP_KEYS, key + ".", problems);
        Path state = directory(node, key, "state-dir", true, base, problems);
        Path verify = directory(node, key, "verify-state-dir", true, base, problems);
        Path reverse = directory(node, key, "reverse-state-dir", false, base, problems);
        Side source = side(node, key, "source", problems);
        Side target = side(node, key, "target", problems);
        if (problems.size() > before) {
            return null;
        }
        return new AppSetup(app, state, verify, reverse, source.endpoint(), target.endpoint(), source.profile(), target.profile(), origin,
                "add %s under " + key + " in " + origin.substring("--app-config ".length()));
    }

    private record Side(StoreEndpoint endpoint, String profile) {
    }

    private static Side side(JsonNode app, String key, String name, List<String> problems) {
        String at = key + "." + name;
        JsonNode node = app.get(name);
        if (node == null || !node.isObject()) {
            problems.add(at + ": required, a map with 'table' (and optionally 'endpoint-url', 'region', 'profile')");
            return null;
        }
        unknownKeys(node, SIDE_KEYS, at + ".", problems);
        String table = text(node, "table");
        if (table == null) {
            problems.add(at + ".table: required, the " + name + " table's name");
        } else {
            DynamoDbTableName.problem(at + ".table", table).ifPresent(problems::add);
        }
        String url = text(node, "endpoint-url");
        if (url != null) {
            try {
                URI u = new URI(url);
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                    problems.add(at + ".endpoint-url: '" + url + "' is not an endpoint URL; use for example https://dynamodb.eu-west-1.amazonaws.com");
                }
            } catch (URISyntaxException e) {
                problems.add(at + ".endpoint-url: '" + url + "' is not an endpoint URL; use for example https://dynamodb.eu-west-1.amazonaws.com");
            }
        }
        String region = text(node, "region");
        if (region != null && !region.matches("[a-z0-9-]{1,40}")) {
            problems.add(at + ".region: '" + region + "' is not a region name, for example eu-west-1");
        }
        return table == null ? null : new Side(new StoreEndpoint(table, url, region), text(node, "profile"));
    }

    private static Path directory(JsonNode app, String key, String name, boolean required, Path base, List<String> problems) {
        String at = key + "." + name;
        JsonNode node = app.get(name);
        if (node == null || node.isNull()) {
            if (required) {
                problems.add(at + ": required, the directory " + (name.equals("state-dir") ? "'cutover migrate --state-dir' uses"
                        : "'cutover verify --state-dir' uses"));
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problems.add(at + ": must be a directory path");
            return null;
        }
        Path dir = base.resolve(node.asText()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            problems.add(at + ": " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist") + ": create it (mkdir -p "
                    + dir + ") or fix the path");
            return null;
        }
        return dir;
    }

    private static String text(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() || !v.isValueNode() || v.asText().isBlank() ? null : v.asText();
    }

    private static void unknownKeys(JsonNode node, Set<String> known, String prefix, List<String> problems) {
        node.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                problems.add(prefix + k + ": unknown key; the keys here are " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        });
    }

    private static CutoverException invalid(String origin, List<String> problems) {
        return new CutoverException(ErrorCode.CONFIG_INVALID, problems.stream().map(p -> origin + ": " + p)
                .collect(java.util.stream.Collectors.joining("\n")));
    }

    /** The configured applications, by id. */
    public Map<String, AppSetup> apps() {
        return apps;
    }

    /** Where this configuration came from, for messages. */
    public String origin() {
        return origin;
    }

    /**
     * Refuses (exit 2) a configuration naming an application the registry does not hold: a typo would otherwise leave the
     * real application unconfigured, with gates that can never pass.
     */
    public ServeAppConfig requireRegistered(EndpointRegistry registry) {
        List<String> problems = new ArrayList<>();
        for (String app : apps.keySet()) {
            if (registry.get(app).isEmpty()) {
                problems.add("apps." + app + ": no application '" + app + "' in the registry table " + registry.table()
                        + ": register it ('cutover registry register --app " + app + " ...') or fix the id");
            }
        }
        if (!problems.isEmpty()) {
            throw invalid(origin, problems);
        }
        return this;
    }

    @Override
    public AppSetup of(RegistryEntry entry) {
        AppSetup a = apps.get(entry.app());
        return a != null ? a : AppSetup.unconfigured(entry.app(), origin);
    }

    @Override
    public List<String> warnings(RegistryEntry e) {
        AppSetup a = apps.get(e.app());
        List<String> out = new ArrayList<>();
        if (a == null) {
            out.add("'" + e.app() + "' is not in " + origin + ": serve shows it, but its gates cannot pass and it starts no verify"
                    + " until it is added there");
            return out;
        }
        differs(out, "stateDir", e.stateDir(), a.stateDir(), "state-dir");
        differs(out, "verifyStateDir", e.verifyStateDir(), a.verifyStateDir(), "verify-state-dir");
        differs(out, "reverseStateDir", e.reverseStateDir(), a.reverseStateDir(), "reverse-state-dir");
        sideDiffers(out, "source", e.source(), a.source());
        sideDiffers(out, "target", e.target(), a.target());
        return out;
    }

    private void differs(List<String> out, String field, String registered, Path configured, String key) {
        if (registered == null) {
            return;
        }
        String mine = configured == null ? null : configured.toString();
        String theirs = Path.of(registered).toAbsolutePath().normalize().toString();
        if (!theirs.equals(mine)) {
            out.add(warning(field, registered, mine, key));
        }
    }

    private void sideDiffers(List<String> out, String side, StoreEndpoint registered, StoreEndpoint configured) {
        if (registered == null) {
            return;
        }
        if (!registered.table().equals(configured.table())) {
            out.add(warning(side + "Table", registered.table(), configured.table(), side + ".table"));
        }
        if (registered.endpointUrl() != null && !Objects.equals(registered.endpointUrl(), configured.endpointUrl())) {
            out.add(warning(side + "EndpointUrl", registered.endpointUrl(), configured.endpointUrl(), side + ".endpoint-url"));
        }
        if (registered.region() != null && !Objects.equals(registered.region(), configured.region())) {
            out.add(warning(side + "Region", registered.region(), configured.region(), side + ".region"));
        }
    }

    private String warning(String field, String registered, String mine, String key) {
        return "the registry entry's " + field + " is " + registered + ", but " + origin + " says " + key + ": "
                + (mine == null ? "(none)" : mine) + "; serve uses its own and ignores the entry's";
    }
}
