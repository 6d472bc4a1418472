package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The batched reverse apply (decision 0250) on any SQL store, PostgreSQL or MariaDB: a batch of rows, each with older
 * and newer puts, tombstones and outside deletes mixed, ends at the newest version with every change counted as the
 * single calls count it; and the writer over a batch counts landed, refused, conflicts and dead letters as before.
 */
public final class BatchedApplyChecks {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    private BatchedApplyChecks() {
    }

    /**
     * @param live the live item of id {@code n} with a note (ids from {@code base} to {@code base + 9} are used; the note
     *             must be kept by the table)
     */
    public static void run(SqlStore store, long base, BiFunction<Long, String, Map<String, AttributeValue>> live, Path dir) throws Exception {
        HybridClock clock = new HybridClock("batch-it");
        List<Version> v = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            v.add(clock.next(1));
        }
        Map<String, AttributeValue> k1 = store.keyOf(live.apply(base + 1, "-"));
        Map<String, AttributeValue> k2 = store.keyOf(live.apply(base + 2, "-"));
        Map<String, AttributeValue> k3 = store.keyOf(live.apply(base + 3, "-"));
        Map<String, AttributeValue> k4 = store.keyOf(live.apply(base + 4, "-"));
        Map<String, AttributeValue> k5 = store.keyOf(live.apply(base + 5, "-"));
        assertTrue(store.putIfNewer(V.stamp(live.apply(base + 2, "stored"), v.get(5)), V));
        store.put(live.apply(base + 3, "unversioned"));
        assertTrue(store.putIfNewer(V.stamp(live.apply(base + 4, "before"), v.get(1)), V));
        assertTrue(store.putIfNewer(V.tombstoneOf(k4, v.get(4)), V));
        Map<String, AttributeValue> noColumn = new HashMap<>(live.apply(base + 5, "bad"));
        noColumn.put("Nickname", AttributeValue.fromS("n"));

        List<List<SqlStore.RowChange>> rows = List.of(
                List.of(put(k1, V.stamp(live.apply(base + 1, "a"), v.get(1))), put(k1, V.tombstoneOf(k1, v.get(3))),
                        put(k1, V.stamp(live.apply(base + 1, "late"), v.get(2))), put(k1, V.stamp(live.apply(base + 1, "c"), v.get(6)))),
                List.of(put(k2, V.stamp(live.apply(base + 2, "old"), v.get(3))), put(k2, V.tombstoneOf(k2, v.get(7))),
                        put(k2, V.stamp(live.apply(base + 2, "late"), v.get(6))), remove(k2)),
                List.of(remove(k3), put(k3, live.apply(base + 3, "again")), remove(k3)),
                List.of(put(k4, V.stamp(live.apply(base + 4, "old"), v.get(2))), put(k4, V.stamp(live.apply(base + 4, "new"), v.get(8)))),
                List.of(put(k5, V.stamp(live.apply(base + 5, "x"), v.get(1))), put(k5, V.stamp(noColumn, v.get(2))),
                        put(k5, V.stamp(live.apply(base + 5, "y"), v.get(3)))));
        List<List<SqlStore.RowChangeResult>> results = store.writeInOrder(rows);
        for (List<SqlStore.RowChangeResult> r : results) {
            assertNotNull(r, "every row of the batch is written by the multi-row statements, none left to one call each");
        }
        assertEquals(List.of(true, true, false, true), wrote(results.get(0)));
        assertEquals(List.of(false, true, false, false), wrote(results.get(1)));
        assertEquals(List.of(true, true, true), wrote(results.get(2)));
        assertEquals(List.of(false, true), wrote(results.get(3)));
        assertEquals(List.of(true, false, true), wrote(results.get(4)));
        assertEquals(Optional.of(v.get(5).encoded()), V.versionOf(results.get(1).get(0).held()), "a refusal tells what the row held then");
        assertEquals(Optional.of(v.get(7).encoded()), V.versionOf(results.get(1).get(2).held()));
        assertEquals(ErrorCode.REJECTED, results.get(4).get(1).rejected().code());
        assertTrue(results.get(4).get(1).rejected().getMessage().contains("Nickname"), results.get(4).get(1).rejected().getMessage());

        assertEquals(live.apply(base + 1, "c"), V.visible(store.get(k1).orElseThrow()).orElseThrow(), "the newest put after a delete lands");
        assertEquals(Optional.of(v.get(6).encoded()), store.get(k1).flatMap(V::versionOf));
        Map<String, AttributeValue> t2 = store.get(k2).orElseThrow();
        assertTrue(V.isTombstone(t2), "an older put does not bring a deleted key back: " + t2);
        assertEquals(Optional.of(v.get(7).encoded()), V.versionOf(t2));
        assertEquals(Optional.empty(), store.get(k3), "an outside delete removes the unversioned row");
        assertEquals(live.apply(base + 4, "new"), V.visible(store.get(k4).orElseThrow()).orElseThrow(), "a newer put over a tombstone lands");
        assertEquals(live.apply(base + 5, "y"), V.visible(store.get(k5).orElseThrow()).orElseThrow());
        assertEquals(Optional.of(v.get(3).encoded()), store.get(k5).flatMap(V::versionOf));

        // The writer over one batch of distinct keys: landed, refused (an echo and a conflict), dead-lettered.
        Map<String, AttributeValue> k6 = store.keyOf(live.apply(base + 6, "-"));
        Map<String, AttributeValue> k7 = store.keyOf(live.apply(base + 7, "-"));
        Map<String, AttributeValue> bad8 = new HashMap<>(live.apply(base + 8, "bad"));
        bad8.put("Nickname", AttributeValue.fromS("n"));
        Version otherOlder = new Version(v.get(0).millis(), 0, "other");
        try (FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve("dead.jsonl"));
             FileDeadLetterSink conflicts = new FileDeadLetterSink(dir.resolve("conflicts.jsonl"));
             SqlChangeWriter writer = new SqlChangeWriter(store, 1, dead)) {
            writer.listConflictsIn(conflicts);
            WriteOutcome outcome = writer.apply(List.of(
                    ChangeRecord.put("p", "1", k6, V.stamp(live.apply(base + 6, "six"), v.get(9)), 0, 0),
                    ChangeRecord.put("p", "2", k1, V.stamp(live.apply(base + 1, "c"), v.get(6)), 0, 0),
                    ChangeRecord.put("p", "3", k4, V.stamp(live.apply(base + 4, "diverged"), otherOlder), 0, 0),
                    ChangeRecord.put("p", "4", store.keyOf(bad8), V.stamp(bad8, v.get(9)), 0, 0),
                    ChangeRecord.delete("p", "5", k7, 0, 0),
                    ChangeRecord.put("p", "6", k2, V.stamp(live.apply(base + 2, "revived"), v.get(9)), 0, 0)));
            assertEquals(1, outcome.deadLettered());
            assertEquals(5, outcome.written(), "landed and refused both count as handled");
            assertEquals(3, writer.landed(), "k6, the delete of an absent k7, the newer put after k2's delete");
            assertEquals(2, writer.olderRefused(), "the echo of k1 and the older k4");
            assertEquals(1, writer.conflicts(), "k4: another instance's older version of another value");
            assertEquals(1, conflicts.count());
        }
        assertEquals(live.apply(base + 6, "six"), V.visible(store.get(k6).orElseThrow()).orElseThrow());
        assertEquals(live.apply(base + 2, "revived"), V.visible(store.get(k2).orElseThrow()).orElseThrow());
        assertEquals(live.apply(base + 4, "new"), V.visible(store.get(k4).orElseThrow()).orElseThrow());
        assertFalse(store.get(store.keyOf(bad8)).isPresent());
        assertTrue(Files.readString(dir.resolve("dead.jsonl")).contains("Nickname"));
    }

    /**
     * The batched writer and single calls (an application writing through the store) racing on the same keys: every row
     * ends at the newest version either side offered, and every change the writer took is counted once.
     */
    public static void raceWithSingleWrites(SqlStore store, long base, BiFunction<Long, String, Map<String, AttributeValue>> live, Path dir)
            throws Exception {
        int keys = 40;
        int rounds = 15;
        HybridClock writerClock = new HybridClock("writer");
        HybridClock appClock = new HybridClock("app");
        Map<Long, String> newest = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.BiConsumer<Long, String> offered = (id, ver) -> newest.merge(id, ver, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        java.util.concurrent.ExecutorService app = java.util.concurrent.Executors.newSingleThreadExecutor();
        long taken = 0;
        try (FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve("race-dead.jsonl"));
             SqlChangeWriter writer = new SqlChangeWriter(store, 4, dead)) {
            java.util.concurrent.Future<?> singles = app.submit(() -> {
                java.util.Random r = new java.util.Random(7);
                for (int i = 0; i < keys * rounds; i++) {
                    long id = base + r.nextInt(keys);
                    Version v = appClock.next(1);
                    Map<String, AttributeValue> item = r.nextInt(4) == 0 ? V.tombstoneOf(store.keyOf(live.apply(id, "-")), v)
                            : V.stamp(live.apply(id, "app" + i), v);
                    offered.accept(id, v.encoded());
                    store.putIfNewer(item, V);
                }
                return null;
            });
            java.util.Random r = new java.util.Random(11);
            for (int round = 0; round < rounds; round++) {
                List<ChangeRecord> batch = new ArrayList<>();
                for (long id = base; id < base + keys; id++) {
                    Version v = writerClock.next(1);
                    Map<String, AttributeValue> key = store.keyOf(live.apply(id, "-"));
                    Map<String, AttributeValue> image = r.nextInt(5) == 0 ? V.tombstoneOf(key, v) : V.stamp(live.apply(id, "w" + round), v);
                    offered.accept(id, v.encoded());
                    batch.add(ChangeRecord.put("p", Long.toString(id), key, image, 0, 0));
                }
                taken += writer.apply(batch).written();
            }
            singles.get();
            assertEquals(keys * rounds, taken, "every change handled once");
            assertEquals(taken, writer.landed() + writer.olderRefused());
            assertEquals(0, dead.count());
        } finally {
            app.shutdownNow();
        }
        for (long id = base; id < base + keys; id++) {
            assertEquals(Optional.of(newest.get(id)), store.get(store.keyOf(live.apply(id, "-"))).flatMap(V::versionOf),
                    "row " + id + " holds the newest version offered");
        }
    }

    private static SqlStore.RowChange put(Map<String, AttributeValue> key, Map<String, AttributeValue> image) {
        return new SqlStore.RowChange(key, image);
    }

    private static SqlStore.RowChange remove(Map<String, AttributeValue> key) {
        return new SqlStore.RowChange(key, null);
    }

    private static List<Boolean> wrote(List<SqlStore.RowChangeResult> results) {
        return results.stream().map(SqlStore.RowChangeResult::wrote).toList();
    }
}
