package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 11: the application's own guarded writes (insert-only, optimistic locking, transactions) through the store in
 * every phase: the condition is evaluated on the site of record, its failure is what the application sees and writes
 * nothing anywhere, and the other site receives the outcome.
 */
class GuardedWritesIT {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Phase.class)
    void conditionsAreEvaluatedOnTheSiteOfRecordAndTheOtherSiteGetsTheOutcome(Phase phase) {
        CutOverFixture f = CutOverFixture.create();
        for (Phase p = Phase.SOURCE_ONLY; p != phase; p = p.next().orElseThrow()) {
            f.moveTo(p.next().orElseThrow());
        }
        String source = f.source;
        String target = f.target;
        try (RegistryWatcher watcher = new RegistryWatcher(f.registry, f.app, Duration.ofSeconds(30)).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(DynamoDbStore.of(f.client, source))
                     .target(DynamoDbStore.of(f.client, target)).journalDir(dir).reportToRegistry(false).build()) {
            assertEquals(phase, store.phase());
            Store.Condition insertOnly = new Store.Condition("attribute_not_exists(pk)", null, null);
            store.putIf(item("a", 1), insertOnly);
            CutoverException taken = assertThrows(CutoverException.class, () -> store.putIf(item("a", 2), insertOnly));
            assertEquals(ErrorCode.CONDITION_FAILED, taken.code());
            assertEquals(Optional.of("1"), rev(store, "a"));

            Store.Condition atRev1 = new Store.Condition("#r = :r", Map.of("#r", "rev"), Map.of(":r", AttributeValue.fromN("1")));
            Store.Update bump = new Store.Update("SET #r = :n", Map.of("#r", "rev"), Map.of(":n", AttributeValue.fromN("2")));
            assertEquals("2", store.updateIf(CutOverFixture.key("a"), bump, atRev1).get("rev").n());
            CutoverException stale = assertThrows(CutoverException.class, () -> store.updateIf(CutOverFixture.key("a"), bump, atRev1));
            assertEquals(ErrorCode.CONDITION_FAILED, stale.code(), "optimistic locking: the second writer at rev 1 loses");

            store.deleteIf(CutOverFixture.key("a"), new Store.Condition("#r = :r", Map.of("#r", "rev"), Map.of(":r", AttributeValue.fromN("2"))));
            assertEquals(Optional.empty(), store.get(CutOverFixture.key("a")));
            store.putIf(item("a", 7), insertOnly); // a deleted item counts as absent for the application's condition
            assertEquals(Optional.of("7"), rev(store, "a"));

            store.put(item("b", 1));
            store.put(item("d", 1));
            Store.Condition bExists = new Store.Condition("attribute_exists(pk)", null, null);
            CutoverException cancelled = assertThrows(CutoverException.class, () -> store.transact(List.of(
                    new Store.Put(item("c", 1), insertOnly),
                    new Store.Change(CutOverFixture.key("b"), new Store.Update("ADD #r :one", Map.of("#r", "rev"), Map.of(":one", AttributeValue.fromN("1"))), null),
                    new Store.Check(CutOverFixture.key("nobody"), bExists))));
            assertEquals(ErrorCode.CONDITION_FAILED, cancelled.code(), cancelled.getMessage());
            assertEquals(Optional.empty(), store.get(CutOverFixture.key("c")), "all or nothing");
            assertEquals(Optional.of("1"), rev(store, "b"));
            store.transact(List.of(
                    new Store.Put(item("c", 1), insertOnly),
                    new Store.Change(CutOverFixture.key("b"), new Store.Update("ADD #r :one", Map.of("#r", "rev"), Map.of(":one", AttributeValue.fromN("1"))), null),
                    new Store.Delete(CutOverFixture.key("a"), null),
                    new Store.Check(CutOverFixture.key("d"), bExists)));
            assertEquals(Optional.of("2"), rev(store, "b"));
            assertEquals(Optional.of("1"), rev(store, "c"));
            assertEquals(Optional.empty(), store.get(CutOverFixture.key("a")));
            assertEquals(0, store.stats().pendingSource() + store.stats().pendingTarget(), "no intent outlives its write");

            String primary = phase.primary() == Site.SOURCE ? source : target;
            String secondary = phase.primary() == Site.SOURCE ? target : source;
            for (String id : List.of("a", "b", "c")) {
                Map<String, AttributeValue> onPrimary = raw(f.client, primary, id);
                assertEquals(phase.secondary().isPresent() ? onPrimary : Map.of(), raw(f.client, secondary, id),
                        id + ": the other site holds the outcome in a dual-write phase, nothing otherwise");
            }
        }
    }

    private static Optional<String> rev(MigratingStore store, String id) {
        return store.get(CutOverFixture.key(id)).map(i -> i.get("rev").n());
    }

    private static Map<String, AttributeValue> raw(DynamoDbClient client, String table, String id) {
        Map<String, AttributeValue> i = client.getItem(b -> b.tableName(table).key(CutOverFixture.key(id)).consistentRead(true)).item();
        return i == null ? Map.of() : i;
    }

    private static Map<String, AttributeValue> item(String id, int rev) {
        Map<String, AttributeValue> item = new HashMap<>(CutOverFixture.key(id));
        item.put("rev", AttributeValue.fromN(Integer.toString(rev)));
        return item;
    }
}
