package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.Store;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.store.SqlStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The SQL store on MariaDB (no WHERE on ON DUPLICATE KEY: a locked read, then UPDATE or INSERT, in one transaction):
 * the version rule, a tombstone row for a key no row held, an increment, a transaction rolled back, and the batched
 * reverse apply (decision 0250).
 */
class MariaDbStoreIT {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;
    private static final Mapping MAPPING = Mapping.fromYaml("""
            mapping:
              partitionKey: { attribute: PK, template: "CUSTOMER#${customer}" }
              sortKey: { attribute: SK, template: "ORDER#${id}" }
              attributes:
                rename: { id: OrderId, customer: Customer, total: Total, placed_at: PlacedAt, note: Note }
              nulls: drop
            """, "orders.yaml");

    @Test
    void versionRuleTombstonesAndIncrementsOnMariaDb(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (MariaDbServer maria = MariaDbServer.start()) {
            SqlEndpoint endpoint = SqlEndpoint.parse(maria.createDatabase("shop"));
            maria.execute("shop", "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL, total DECIMAL(10,2),"
                    + " placed_at DATETIME(6), note TEXT, cutover_v VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin,"
                    + " cutover_v_deleted BOOLEAN)");
            HybridClock clock = new HybridClock("maria-it");
            try (SqlStore store = new SqlStore(endpoint, "orders", MAPPING, V)) {
                Map<String, AttributeValue> item = Map.of("PK", AttributeValue.fromS("CUSTOMER#ann"), "SK", AttributeValue.fromS("ORDER#1"),
                        "OrderId", AttributeValue.fromN("1"), "Customer", AttributeValue.fromS("ann"), "Total", AttributeValue.fromN("12.5"),
                        "PlacedAt", AttributeValue.fromS("2026-11-02T08:00:00.123456"), "Note", AttributeValue.fromS("first"));
                Map<String, AttributeValue> key = store.keyOf(item);
                Version older = clock.next(1);
                Version v1 = clock.next(1);
                assertTrue(store.putIfNewer(V.stamp(item, v1), V));
                assertFalse(store.putIfNewer(V.stamp(item, older), V));
                assertFalse(store.putIfNewer(V.stamp(item, v1), V));
                assertEquals(item, V.visible(store.get(key).orElseThrow()).orElseThrow());
                Store.Update add = new Store.Update("ADD Total :k", null, Map.of(":k", AttributeValue.fromN("0.25")));
                for (int i = 0; i < 4; i++) {
                    assertTrue(store.updateIfNewer(key, add, clock.next(1), V).isPresent());
                }
                assertEquals("13.5", store.get(key).orElseThrow().get("Total").n());

                Map<String, AttributeValue> absent = Map.of("PK", AttributeValue.fromS("CUSTOMER#bob"), "SK", AttributeValue.fromS("ORDER#2"));
                Version deleted = clock.next(1);
                assertTrue(store.putIfNewer(V.tombstoneOf(absent, deleted), V), "a tombstone row: every NOT NULL column is in the key");
                assertTrue(V.isTombstone(store.get(absent).orElseThrow()));
                Map<String, AttributeValue> late = Map.of("PK", AttributeValue.fromS("CUSTOMER#bob"), "SK", AttributeValue.fromS("ORDER#2"),
                        "OrderId", AttributeValue.fromN("2"), "Customer", AttributeValue.fromS("bob"));
                assertFalse(store.putIfNewer(V.stamp(late, older), V), "an older put does not bring a deleted key back");

                Version v2 = clock.next(1);
                assertFalse(store.transactIfNewer(List.of(new Store.Put(late, null), new Store.Delete(key, null)),
                        new Version(1, older.millis(), 0, "x"), V));
                assertTrue(V.isTombstone(store.get(absent).orElseThrow()), "rolled back");
                assertTrue(store.transactIfNewer(List.of(new Store.Put(late, null), new Store.Delete(key, null)), v2, V));
                assertEquals(late, V.visible(store.get(absent).orElseThrow()).orElseThrow());
                assertEquals(Optional.empty(), store.get(key).flatMap(V::visible));

                // The batched reverse apply (decision 0250): ON DUPLICATE KEY UPDATE with the version rule in every column.
                io.cutover.sql.store.BatchedApplyChecks.run(store, 900, (id, note) -> Map.of("PK", AttributeValue.fromS("CUSTOMER#cy"),
                        "SK", AttributeValue.fromS("ORDER#" + id), "OrderId", AttributeValue.fromN(Long.toString(id)),
                        "Customer", AttributeValue.fromS("cy"), "Note", AttributeValue.fromS(note)), dir);
                io.cutover.sql.store.BatchedApplyChecks.raceWithSingleWrites(store, 1000, (id, note) -> Map.of("PK",
                        AttributeValue.fromS("CUSTOMER#dee"), "SK", AttributeValue.fromS("ORDER#" + id), "OrderId",
                        AttributeValue.fromN(Long.toString(id)), "Customer", AttributeValue.fromS("dee"), "Note", AttributeValue.fromS(note)), dir);
            }
        }
    }
}
