package io.cutover.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link CheckpointStore} must do; each implementation's test extends this class.
 * Named without the Test suffix so that it is only run through its subclasses.
 */
abstract class CheckpointStoreContract {
    protected CheckpointStore store;

    protected abstract CheckpointStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    @Test
    void loadOfUnknownUnitIsEmpty() {
        assertEquals(Optional.empty(), store.load("table-a--to--table-b", "segment-00000-of-00004"));
    }

    @Test
    void loadAllOfUnknownScopeIsEmpty() {
        assertEquals(Map.of(), store.loadAll("never-saved"));
    }

    @Test
    void savedCheckpointLoadsBackEqual() {
        UnitCheckpoint cp = new UnitCheckpoint("segment-00001-of-00004", "{\"id\":{\"S\":\"ü \\\"x\\\"\"}}", false, 1234, 56789);

        store.save("scope", cp);

        assertEquals(Optional.of(cp), store.load("scope", "segment-00001-of-00004"));
    }

    @Test
    void startAndCompleteCheckpointsWithoutPositionLoadBackEqual() {
        UnitCheckpoint start = UnitCheckpoint.start("u1");
        UnitCheckpoint complete = new UnitCheckpoint("u2", null, true, Long.MAX_VALUE, 0);

        store.save("scope", start);
        store.save("scope", complete);

        assertEquals(Optional.of(start), store.load("scope", "u1"));
        assertEquals(Optional.of(complete), store.load("scope", "u2"));
    }

    @Test
    void saveReplacesThePreviousCheckpointOfTheUnit() {
        store.save("scope", new UnitCheckpoint("u", "p1", false, 10, 100));
        store.save("scope", new UnitCheckpoint("u", "p2", false, 20, 200));
        UnitCheckpoint last = new UnitCheckpoint("u", null, true, 30, 300);
        store.save("scope", last);

        assertEquals(Optional.of(last), store.load("scope", "u"));
        assertEquals(Map.of("u", last), store.loadAll("scope"));
    }

    @Test
    void loadAllReturnsEveryUnitOfTheScopeByUnitId() {
        UnitCheckpoint a = new UnitCheckpoint("segment-00000-of-00003", "a", false, 1, 1);
        UnitCheckpoint b = new UnitCheckpoint("segment-00001-of-00003", null, true, 2, 2);
        UnitCheckpoint c = new UnitCheckpoint("segment-00002-of-00003", "c", false, 3, 3);
        store.save("scope", c);
        store.save("scope", a);
        store.save("scope", b);
        store.save("other-scope", new UnitCheckpoint("segment-00000-of-00003", "elsewhere", false, 9, 9));

        Map<String, UnitCheckpoint> all = store.loadAll("scope");

        assertEquals(Map.of(a.unitId(), a, b.unitId(), b, c.unitId(), c), all);
        assertEquals(List.of(a.unitId(), b.unitId(), c.unitId()), new ArrayList<>(all.keySet()), "sorted by unit id");
    }

    @Test
    void scopesAreIndependent() {
        store.save("one", new UnitCheckpoint("u", "in-one", false, 1, 1));
        store.save("two", new UnitCheckpoint("u", "in-two", false, 2, 2));

        assertEquals("in-one", store.load("one", "u").orElseThrow().position());
        assertEquals("in-two", store.load("two", "u").orElseThrow().position());
    }

    @Test
    void clearForgetsEveryCheckpointOfTheScopeOnly() {
        store.save("gone", new UnitCheckpoint("u1", "x", false, 1, 1));
        store.save("gone", new UnitCheckpoint("u2", "y", false, 1, 1));
        UnitCheckpoint kept = new UnitCheckpoint("u1", "z", false, 1, 1);
        store.save("kept", kept);

        store.clear("gone");

        assertEquals(Map.of(), store.loadAll("gone"));
        assertEquals(Optional.empty(), store.load("gone", "u1"));
        assertEquals(Map.of("u1", kept), store.loadAll("kept"));
    }

    @Test
    void clearOfUnknownScopeDoesNothing() {
        store.clear("never-saved");

        assertEquals(Map.of(), store.loadAll("never-saved"));
    }

    @Test
    void scopeCanBeUsedAgainAfterClear() {
        store.save("s", new UnitCheckpoint("u", "old", false, 1, 1));
        store.clear("s");
        UnitCheckpoint fresh = new UnitCheckpoint("u", "new", false, 2, 2);

        store.save("s", fresh);

        assertEquals(Map.of("u", fresh), store.loadAll("s"));
    }

    @Test
    void concurrentSavesOfDifferentUnitsAllSurvive() throws Exception {
        int units = 8;
        int savesPerUnit = 40;
        ExecutorService pool = Executors.newFixedThreadPool(units);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int u = 0; u < units; u++) {
                String id = "unit-" + u;
                futures.add(pool.submit(() -> {
                    for (int i = 1; i <= savesPerUnit; i++) {
                        store.save("concurrent", new UnitCheckpoint(id, "p" + i, false, i, i * 10L));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        Map<String, UnitCheckpoint> all = store.loadAll("concurrent");
        assertEquals(units, all.size());
        for (int u = 0; u < units; u++) {
            assertEquals(new UnitCheckpoint("unit-" + u, "p" + savesPerUnit, false, savesPerUnit, savesPerUnit * 10L),
                    all.get("unit-" + u), "each unit keeps its last save");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "../escape", "/abs", "a\\b", "", "..", ".", "with space", "tab\t"})
    void unsafeNamesAreRejected(String unsafe) {
        UnitCheckpoint cp = new UnitCheckpoint("u", "p", false, 1, 1);

        assertThrows(IllegalArgumentException.class, () -> store.save(unsafe, cp), "scope '" + unsafe + "'");
        assertThrows(IllegalArgumentException.class, () -> store.save("scope", new UnitCheckpoint(unsafe, "p", false, 1, 1)),
                "unit '" + unsafe + "'");
        assertThrows(IllegalArgumentException.class, () -> store.load(unsafe, "u"));
        assertThrows(IllegalArgumentException.class, () -> store.load("scope", unsafe));
        assertThrows(IllegalArgumentException.class, () -> store.loadAll(unsafe));
        assertThrows(IllegalArgumentException.class, () -> store.clear(unsafe));
        assertEquals(Map.of(), store.loadAll("scope"), "nothing was saved");
    }

    @Test
    void namesOfTheDocumentedAlphabetAreAccepted() {
        String scope = "Orders_2024.v1--to--orders-copy";
        UnitCheckpoint cp = new UnitCheckpoint("segment-00007-of-00016", "p", false, 1, 1);

        store.save(scope, cp);

        assertTrue(store.load(scope, "segment-00007-of-00016").isPresent());
        assertEquals(Map.of(cp.unitId(), cp), store.loadAll(scope));
    }
}
