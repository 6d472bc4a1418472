package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.Store;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The SQL store against a real PostgreSQL with the logging example's mapping: items in and out through the mapping,
 * the version rule in the database, tombstone rows, update expressions, transactions, and the inverse-mapping check.
 */
class SqlStoreIT {
    static EmbeddedPostgresServer pg;
    static SqlEndpoint endpoint;
    static SqlStore store;
    static final VersionAttribute V = VersionAttribute.DEFAULT;
    final HybridClock clock = new HybridClock("store-it");

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresServer.start();
        endpoint = SqlEndpoint.parse(pg.createDatabase("storeit"));
        LoggingTable.create(pg, "storeit");
        store = new SqlStore(endpoint, "integration_logs", LoggingTable.MAPPING, V);
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        pg.close();
    }

    private Version next() {
        return clock.next(1);
    }

    @Test
    void putIfNewerRoundTripsTheItemAndRefusesOlderAndEqualVersions() {
        Map<String, AttributeValue> item = LoggingTable.item(store, 1, "billing-api", "ok", 120);
        Version older = next();
        Version v1 = next();
        assertTrue(store.putIfNewer(V.stamp(item, v1), V));
        Map<String, AttributeValue> stored = store.get(store.keyOf(item)).orElseThrow();
        assertEquals(Optional.of(v1.encoded()), V.versionOf(stored));
        assertEquals(item, V.visible(stored).orElseThrow(), "the item comes back as written, derived attributes included");
        assertFalse(store.putIfNewer(V.stamp(LoggingTable.item(store, 1, "billing-api", "older", 1), older), V));
        assertFalse(store.putIfNewer(V.stamp(LoggingTable.item(store, 1, "billing-api", "same", 1), v1), V));
        assertFalse(store.putIfNewer(item, V), "an unversioned put lands only on an unversioned row");
        assertEquals(item, V.visible(store.get(store.keyOf(item)).orElseThrow()).orElseThrow());
    }

    @Test
    void aDeleteKeepsATombstoneRowThatOlderWritesCannotBringBack() throws Exception {
        Map<String, AttributeValue> item = LoggingTable.item(store, 2, "orders", "ok", 5);
        Map<String, AttributeValue> key = store.keyOf(item);
        Version v1 = next();
        Version older = next();
        Version v2 = next();
        assertTrue(store.putIfNewer(V.stamp(item, v1), V));
        assertTrue(store.putIfNewer(V.tombstoneOf(key, v2), V));
        Map<String, AttributeValue> t = store.get(key).orElseThrow();
        assertTrue(V.isTombstone(t));
        assertEquals(Optional.empty(), V.visible(t));
        assertFalse(store.putIfNewer(V.stamp(item, older), V), "an older put does not bring the item back");
        assertTrue(store.putIfNewer(V.stamp(item, next()), V));
        assertFalse(V.isTombstone(store.get(key).orElseThrow()));
        // A delete of a key no row holds: the logging table has NOT NULL columns the key does not hold, so no tombstone row.
        Map<String, AttributeValue> absent = store.keyOf(LoggingTable.item(store, 999, "search", "x", 1));
        assertTrue(store.putIfNewer(V.tombstoneOf(absent, next()), V));
        assertEquals(Optional.empty(), store.get(absent));
        try (var c = pg.connect("storeit"); var s = c.createStatement();
             var rs = s.executeQuery("SELECT cutover_v_deleted, message FROM integration_logs WHERE log_id = 2")) {
            rs.next();
            assertFalse(rs.getBoolean(1), "the put after the tombstone cleared the flag");
            assertEquals("ok", rs.getString(2));
        }
    }

    @Test
    void updateIfNewerAppliesSetAddAndRemoveOnTheRow() {
        Map<String, AttributeValue> item = LoggingTable.item(store, 3, "auth", "first", 10);
        Map<String, AttributeValue> key = store.keyOf(item);
        assertTrue(store.putIfNewer(V.stamp(item, next()), V));
        Store.Update add = new Store.Update("ADD #d :k", Map.of("#d", "DurationMs"), Map.of(":k", AttributeValue.fromN("1")));
        for (int i = 0; i < 5; i++) {
            assertTrue(store.updateIfNewer(key, add, next(), V).isPresent());
        }
        Version v = next();
        Map<String, AttributeValue> after = store.updateIfNewer(key, new Store.Update("SET Message = :m REMOVE HttpStatus", null,
                Map.of(":m", AttributeValue.fromS("second"))), v, V).orElseThrow();
        assertEquals("15", after.get("DurationMs").n());
        assertEquals("second", after.get("Message").s());
        assertFalse(after.containsKey("HttpStatus"));
        assertEquals(after, store.get(key).orElseThrow());
        assertEquals(Optional.empty(), store.updateIfNewer(key, add, new Version(1, v.millis() - 1, 0, "old"), V), "older: nothing written");
        assertEquals("15", store.get(key).orElseThrow().get("DurationMs").n());
        CutoverException arithmetic = assertThrows(CutoverException.class, () -> store.updateIfNewer(key,
                new Store.Update("SET DurationMs = DurationMs + :k", null, Map.of(":k", AttributeValue.fromN("1"))), next(), V));
        assertEquals(ErrorCode.UNSUPPORTED, arithmetic.code(), arithmetic.getMessage());
        CutoverException derived = assertThrows(CutoverException.class, () -> store.updateIfNewer(key,
                new Store.Update("SET PK = :k", null, Map.of(":k", AttributeValue.fromS("x"))), next(), V));
        assertEquals(ErrorCode.REJECTED, derived.code(), derived.getMessage());
        assertTrue(derived.getMessage().contains("PK"), derived.getMessage());
    }

    @Test
    void aTransactionWritesAllOrNothing() {
        Map<String, AttributeValue> a = LoggingTable.item(store, 4, "search", "a", 1);
        Map<String, AttributeValue> b = LoggingTable.item(store, 5, "search", "b", 1);
        Version v1 = next();
        Version v2 = next();
        assertTrue(store.transactIfNewer(List.of(new Store.Put(a, null), new Store.Put(b, null)), v1, V));
        assertTrue(store.putIfNewer(V.stamp(LoggingTable.item(store, 5, "search", "b-newer", 1), next()), V));
        assertFalse(store.transactIfNewer(List.of(new Store.Delete(store.keyOf(a), null), new Store.Put(
                LoggingTable.item(store, 5, "search", "lost", 1), null)), v2, V), "b holds a newer version: nothing is written");
        assertFalse(V.isTombstone(store.get(store.keyOf(a)).orElseThrow()), "the delete of a was rolled back");
        CutoverException failed = assertThrows(CutoverException.class, () -> store.transactIfNewer(List.of(
                new Store.Put(LoggingTable.item(store, 6, "search", "c", 1), null),
                new Store.Check(store.keyOf(LoggingTable.item(store, 7, "search", "d", 1)),
                        new Store.Condition("attribute_exists(PK)", null, null))), next(), V));
        assertEquals(ErrorCode.CONDITION_FAILED, failed.code(), failed.getMessage());
        assertEquals(Optional.empty(), store.get(store.keyOf(LoggingTable.item(store, 6, "search", "c", 1))));
    }

    @Test
    void conditionsSeeATombstoneAsAbsent() {
        Map<String, AttributeValue> item = LoggingTable.item(store, 8, "orders", "x", 1);
        Store.Condition insertOnly = new Store.Condition("attribute_not_exists(#pk)", Map.of("#pk", "PK"), null);
        assertTrue(store.putIfNewer(V.stamp(item, next()), V, insertOnly));
        CutoverException exists = assertThrows(CutoverException.class, () -> store.putIfNewer(V.stamp(item, next()), V, insertOnly));
        assertEquals(ErrorCode.CONDITION_FAILED, exists.code());
        assertTrue(store.putIfNewer(V.tombstoneOf(store.keyOf(item), next()), V));
        assertTrue(store.putIfNewer(V.stamp(item, next()), V, insertOnly), "a tombstone counts as absent");
        CutoverException other = assertThrows(CutoverException.class, () -> store.putIfNewer(V.stamp(item, next()), V,
                new Store.Condition("Message = :m", null, Map.of(":m", AttributeValue.fromS("x")))));
        assertEquals(ErrorCode.UNSUPPORTED, other.code());
    }

    @Test
    void aRowMovedToAnotherKeyReadsAsATombstoneUnderTheOldKey() {
        Map<String, AttributeValue> before = LoggingTable.item(store, 9, "orders", "x", 1);
        Map<String, AttributeValue> after = LoggingTable.item(store, 9, "orders-v2", "x", 1);
        assertTrue(store.putIfNewer(V.stamp(before, next()), V));
        Version moved = next();
        assertTrue(store.putIfNewer(V.stamp(after, moved), V));
        Map<String, AttributeValue> old = store.get(store.keyOf(before)).orElseThrow();
        assertTrue(V.isTombstone(old));
        assertEquals(Optional.of(moved.encoded()), V.versionOf(old));
        assertEquals(after, V.visible(store.get(store.keyOf(after)).orElseThrow()).orElseThrow());
        assertTrue(store.putIfNewer(V.tombstoneOf(store.keyOf(before), next()), V), "a delete of the old key leaves the moved row alone");
        assertFalse(V.isTombstone(store.get(store.keyOf(after)).orElseThrow()));
    }

    @Test
    void deleteUnversionedRemovesOnlyRowsWrittenOutsideTheStore() throws Exception {
        Map<String, AttributeValue> item = LoggingTable.item(store, 10, "auth", "x", 1);
        store.put(item);
        assertTrue(store.deleteUnversioned(store.keyOf(item), V));
        assertEquals(Optional.empty(), store.get(store.keyOf(item)));
        assertTrue(store.putIfNewer(V.stamp(item, next()), V));
        assertFalse(store.deleteUnversioned(store.keyOf(item), V));
    }

    @Test
    void theReverseWriterAppliesAChangeOfKeyInVersionOrderAndDeadLettersWhatHasNoColumn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Map<String, AttributeValue> before = LoggingTable.item(store, 12, "orders", "a", 1);
        Map<String, AttributeValue> after = LoggingTable.item(store, 12, "orders-v2", "b", 1);
        assertTrue(store.putIfNewer(V.stamp(before, next()), V));
        Version moved = next();
        Version deleted = next();
        Map<String, AttributeValue> bad = new HashMap<>(LoggingTable.item(store, 13, "auth", "x", 1));
        bad.put("Nickname", AttributeValue.fromS("n"));
        try (io.cutover.core.deadletter.FileDeadLetterSink dead = new io.cutover.core.deadletter.FileDeadLetterSink(dir.resolve("dead.jsonl"));
             SqlChangeWriter writer = new SqlChangeWriter(store, 2, dead)) {
            // The stream orders changes per item key only: the old key's delete may come before the new key's put.
            var outcome = writer.apply(List.of(
                    io.cutover.core.changelog.ChangeRecord.put("p", "1", store.keyOf(before), V.tombstoneOf(store.keyOf(before), deleted), 0, 0),
                    io.cutover.core.changelog.ChangeRecord.put("p", "2", store.keyOf(after), V.stamp(after, moved), 0, 0),
                    io.cutover.core.changelog.ChangeRecord.put("p", "3", store.keyOf(bad), V.stamp(bad, next()), 0, 0)));
            assertEquals(1, outcome.deadLettered());
            assertEquals(after, V.visible(store.get(store.keyOf(after)).orElseThrow()).orElseThrow(), "the row moved to the new key");
            assertEquals(Optional.empty(), store.get(store.keyOf(before)).flatMap(V::visible), "the old key reads as deleted");
            assertEquals(2, writer.landed());
        }
        String letters = java.nio.file.Files.readString(dir.resolve("dead.jsonl"));
        assertTrue(letters.contains("Nickname"), letters);
    }

    @Test
    void aBatchOfOlderAndNewerPutsAndDeletesPerRowEndsAtTheNewestWithEveryChangeCounted(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        BatchedApplyChecks.run(store, 900, (id, note) -> LoggingTable.item(store, id, "batch", note, 7), dir);
    }

    @Test
    void theBatchedWriterRacingTheApplicationLeavesEveryRowAtTheNewestVersion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        BatchedApplyChecks.raceWithSingleWrites(store, 1000, (id, note) -> LoggingTable.item(store, id, "race", note, 7), dir);
    }

    @Test
    void refusesAnAttributeWithNoColumnNamingIt() {
        Map<String, AttributeValue> item = new HashMap<>(LoggingTable.item(store, 11, "auth", "x", 1));
        item.put("Nickname", AttributeValue.fromS("n"));
        CutoverException e = assertThrows(CutoverException.class, () -> store.putIfNewer(V.stamp(item, next()), V));
        assertEquals(ErrorCode.REJECTED, e.code());
        assertTrue(e.getMessage().contains("Nickname"), e.getMessage());
    }

    @Test
    void aMappingThatLosesAColumnCannotBeInvertedAndSaysWhich() {
        Mapping lossy = Mapping.fromYaml("""
                mapping:
                  partitionKey: { attribute: PK, template: "${service_name}-${log_timestamp:yyyy-MM-dd}" }
                  sortKey: { attribute: SK, template: "${log_id}" }
                  attributes:
                    exclude: [log_timestamp]
                """, "lossy.yaml");
        RowMapper mapper = lossy.bind(new SqlTable(endpoint, "integration_logs").schema());
        List<String> problems = InverseMapping.problems(mapper);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("log_timestamp") && problems.get(0).contains("PK"), problems.get(0));
        assertEquals(List.of(), InverseMapping.problems(LoggingTable.MAPPING.bind(new SqlTable(endpoint, "integration_logs").schema())));
        CutoverException e = assertThrows(CutoverException.class, () -> new SqlStore(endpoint, "integration_logs", lossy, V));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        SqlTable table = new SqlTable(endpoint, "integration_logs");
        io.cutover.sql.mapping.MappingException refused = assertThrows(io.cutover.sql.mapping.MappingException.class,
                () -> io.cutover.sql.migrate.SqlPlan.plan(table, lossy, "logs", 0, 0, true));
        assertTrue(refused.getMessage().contains("column log_timestamp") && refused.getMessage().contains("PK"), refused.getMessage());
        assertEquals("logs", io.cutover.sql.migrate.SqlPlan.plan(table, lossy, "logs", 0, 0, false).targetTable(),
                "without --reversible the same mapping is fine for a one-way migration");
    }
}
