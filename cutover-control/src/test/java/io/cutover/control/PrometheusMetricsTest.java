package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.ClientReport;
import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.result.MigrationStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest {
    private static MigrationView view(String app, Phase phase, MigrationStatus status, List<ClientReport> clients) {
        RegistryEntry e = new RegistryEntry(app, phase, phase.primary(), StoreEndpoint.table("a"), StoreEndpoint.table("b"), null, null, 7,
                "x", null, null);
        return new MigrationView(app, e, status, null, null, clients, List.of(), false, phase.next().orElse(null),
                phase.previous().orElse(null));
    }

    @Test
    void rendersOneSeriesPerApplicationWithEscapedLabels() {
        MigrationStatus s = new MigrationStatus("IN_SYNC", "a", "b", "arn", 1000, 50, 40, 2, 3, 5, 12.5, 0, 0, 0, 10, 1234, 2000, Map.of(),
                "2026-11-23T22:00:00Z");
        String text = PrometheusMetrics.render(List.of(
                view("orders", Phase.DUAL_WRITE, s, List.of(new ClientReport("orders", "web-1", Phase.DUAL_WRITE, 7, 1, 2, 3, 0, null))),
                view("we\"ird", Phase.SOURCE_ONLY, null, List.of())));
        assertTrue(text.contains("# TYPE cutover_changes_applied_total counter\n"), text);
        assertTrue(text.contains("cutover_phase{app=\"orders\",phase=\"DUAL_WRITE\"} 1\n"), text);
        assertTrue(text.contains("cutover_phase{app=\"orders\",phase=\"SOURCE_ONLY\"} 0\n"), text);
        assertTrue(text.contains("cutover_items_copied_total{app=\"orders\"} 1000\n"), text);
        assertTrue(text.contains("cutover_changes_applied_total{app=\"orders\"} 40\n"), text);
        assertTrue(text.contains("cutover_dead_letters_total{app=\"orders\"} 3\n"), text);
        assertTrue(text.contains("cutover_changes_per_second{app=\"orders\"} 12.5000\n"), text);
        assertTrue(text.contains("cutover_lag_p99_seconds{app=\"orders\"} 1.23400\n"), text);
        assertTrue(text.contains("cutover_client_journal_pending{app=\"orders\",instance=\"web-1\"} 3\n"), text);
        assertTrue(text.contains("cutover_phase{app=\"we\\\"ird\",phase=\"SOURCE_ONLY\"} 1\n"), text);
        assertFalse(text.contains("cutover_changes_applied_total{app=\"we"), "no status, no made-up series");
        for (String line : text.split("\n")) {
            assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ") || line.matches("cutover_[a-z_0-9]+\\{.*\\} -?[0-9.eE+-]+"),
                    "not exposition format: " + line);
        }
    }
}
