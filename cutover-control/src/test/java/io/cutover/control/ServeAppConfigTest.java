package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeAppConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private JsonNode tree(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    private Path file() {
        return dir.resolve("serve.yaml");
    }

    private ServeAppConfig valid() throws Exception {
        Files.createDirectories(dir.resolve("m"));
        Files.createDirectories(dir.resolve("v"));
        return ServeAppConfig.parse(tree("{'apps': {'orders': {'state-dir': 'm', 'verify-state-dir': '" + dir.resolve("v") + "',"
                + " 'source': {'table': 'orders', 'endpoint-url': 'http://127.0.0.1:8000', 'region': 'eu-west-1', 'profile': 'old'},"
                + " 'target': {'table': 'orders-v2'}}}}"), file());
    }

    private static RegistryEntry entry(String app, String stateDir, String verifyDir, StoreEndpoint source, StoreEndpoint target) {
        return new RegistryEntry(app, Phase.SOURCE_ONLY, Phase.SOURCE_ONLY.primary(), source, target, stateDir, verifyDir, 1, "op", null, null);
    }

    @Test
    void relativeDirectoriesAreTakenFromTheFilesFolderAndEndpointsFromTheFile() throws Exception {
        AppSetup a = valid().apps().get("orders");
        assertEquals(dir.resolve("m").toAbsolutePath().normalize(), a.stateDir());
        assertEquals(dir.resolve("v").toAbsolutePath().normalize(), a.verifyStateDir());
        assertNull(a.reverseStateDir());
        assertEquals(new StoreEndpoint("orders", "http://127.0.0.1:8000", "eu-west-1"), a.source());
        assertEquals("old", a.sourceProfile());
        assertEquals(StoreEndpoint.table("orders-v2"), a.target());
    }

    @Test
    void everyProblemIsReportedTogetherNamingItsKeyAndTheFix() throws Exception {
        CutoverException e = assertThrows(CutoverException.class, () -> ServeAppConfig.parse(tree("{'apps': {'orders': {"
                + "'state-dir': 'nowhere', 'verify-state-dir': 'v', 'stateDir': 'x',"
                + " 'source': {'table': 'o', 'endpoint-url': 'localhost:8000'}, 'target': {'tabel': 'x'}}, 'bad id!': {}},"
                + " 'extra': 1}"), file()));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        String m = e.getMessage();
        for (String expected : List.of("apps.orders.state-dir: " + dir.resolve("nowhere") + " does not exist: create it (mkdir -p",
                "apps.orders.verify-state-dir: " + dir.resolve("v") + " does not exist", "apps.orders.stateDir: unknown key",
                "apps.orders.source.table", "apps.orders.source.endpoint-url: 'localhost:8000' is not an endpoint URL",
                "apps.orders.target.tabel: unknown key", "apps.orders.target.table: required", "apps.bad id!: not an application id",
                "extra: unknown key", "--app-config " + file())) {
            assertTrue(m.contains(expected), "expected '" + expected + "' in:\n" + m);
        }
        assertThrows(CutoverException.class, () -> ServeAppConfig.parse(tree("{'apps': {}}"), file()));
        assertThrows(CutoverException.class, () -> ServeAppConfig.parse(tree("[1]"), file()));
    }

    @Test
    void aDisagreeingEntryIsWarnedAboutAndNeverUsed() throws Exception {
        ServeAppConfig config = valid();
        RegistryEntry forged = entry("orders", "/tmp/elsewhere", dir.resolve("v").toString(),
                new StoreEndpoint("orders", "http://attacker.example:9", "eu-west-1"), new StoreEndpoint("secrets", null, "us-east-1"));
        AppSetup used = config.of(forged);
        assertEquals(dir.resolve("m").toAbsolutePath().normalize(), used.stateDir());
        assertEquals("http://127.0.0.1:8000", used.source().endpointUrl());
        assertEquals("orders-v2", used.target().table());
        List<String> w = config.warnings(forged);
        assertEquals(4, w.size(), w.toString());
        assertTrue(w.get(0).contains("stateDir is /tmp/elsewhere") && w.get(0).contains("serve uses its own"), w.get(0));
        assertTrue(w.stream().anyMatch(s -> s.contains("sourceEndpointUrl is http://attacker.example:9")), w.toString());
        assertTrue(w.stream().anyMatch(s -> s.contains("targetTable is secrets")), w.toString());
        assertTrue(w.stream().anyMatch(s -> s.contains("targetRegion is us-east-1")), w.toString());
        RegistryEntry same = entry("orders", dir.resolve("m").toString(), null, new StoreEndpoint("orders", null, null),
                StoreEndpoint.table("orders-v2"));
        assertEquals(List.of(), config.warnings(same));
    }

    @Test
    void anApplicationTheConfigDoesNotNameGetsNoPathsAndGatesThatSayWhere() throws Exception {
        ServeAppConfig config = valid();
        RegistryEntry other = entry("billing", dir.resolve("m").toString(), dir.resolve("v").toString(), StoreEndpoint.table("b"),
                StoreEndpoint.table("b2"));
        AppSetup a = config.of(other);
        assertNull(a.stateDir());
        assertNull(a.verifyStateDir());
        assertNull(a.source());
        assertTrue(config.warnings(other).get(0).contains("not in --app-config"), config.warnings(other).toString());
        List<Gate> gates = new SwitchGates(GateLimits.DEFAULTS, java.time.Clock.systemUTC()).evaluate(other, a, List.of(), java.time.Instant.now());
        assertTrue(gates.stream().noneMatch(g -> g.passed() && !g.name().equals("clients") && !g.name().equals("dead-letters")), gates.toString());
        assertTrue(gates.get(0).detail().contains("add 'billing' with its state-dir to --app-config"), gates.get(0).detail());
        CutoverException e = assertThrows(CutoverException.class, () -> new VerifyRunner().start(a));
        assertTrue(e.getMessage().contains("--app-config"), e.getMessage());
    }
}
