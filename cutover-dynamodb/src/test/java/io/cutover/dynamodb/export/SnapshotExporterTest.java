package io.cutover.dynamodb.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.throttle.Throttle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The export writer's resume per unit, its stop, and the items it dead-letters, on an in-memory store. */
class SnapshotExporterTest {
    @TempDir
    Path dir;

    /** A unit of {@code pages} pages of {@code perPage} items, counting how often it is read. */
    static class Counted implements SnapshotUnit {
        final String id;
        final int pages;
        final int perPage;
        final AtomicInteger reads = new AtomicInteger();
        final List<Map<String, AttributeValue>> extra = new ArrayList<>();

        Counted(String id, int pages, int perPage) {
            this.id = id;
            this.pages = pages;
            this.perPage = perPage;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Page readPage(Position after) {
            reads.incrementAndGet();
            int page = after == null ? 0 : Integer.parseInt(after.encode());
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            for (int i = 0; i < perPage; i++) {
                items.add(Map.of("pk", AttributeValue.fromS(id + "#" + page + "#" + i)));
            }
            if (page == 0) {
                items.addAll(extra);
            }
            return new Page(items, page + 1 < pages ? () -> Integer.toString(page + 1) : null);
        }

        @Override
        public Position decode(String encoded) {
            return () -> encoded;
        }
    }

    static final class CountingSink implements DeadLetterSink {
        final List<String> reasons = new ArrayList<>();

        @Override
        public synchronized void accept(String table, Map<String, AttributeValue> item, String reason) {
            reasons.add(reason);
        }

        @Override
        public synchronized long count() {
            return reasons.size();
        }

        @Override
        public void close() {
        }
    }

    private static SnapshotExporter exporter(InMemoryExportStore store, ExportState state, Map<String, CountingSink> sinks, AtomicBoolean stop) {
        return new SnapshotExporter(store, ExportFormat.DYNAMODB_JSON, 2, Throttle.unlimited(), CopyProgress.NONE, stop::get,
                Optional.of(state), id -> sinks.computeIfAbsent(id, x -> new CountingSink()));
    }

    @Test
    void aResumedExportReadsOnlyTheUnitsWithoutARecord() {
        InMemoryExportStore store = new InMemoryExportStore();
        ExportState state = new ExportState(dir);
        Map<String, CountingSink> sinks = new ConcurrentHashMap<>();
        List<Counted> first = List.of(new Counted("a", 3, 10), new Counted("b", 2, 10), new Counted("c", 1, 10));
        SnapshotExporter.Outcome all = exporter(store, state, sinks, new AtomicBoolean()).write("X/", first);
        assertTrue(all.complete());
        assertEquals(60, all.files().stream().mapToLong(ExportDataFile::itemCount).sum());
        assertTrue(state.done("b").isPresent());

        // b's record is lost (as if killed before it was saved): only b is read again
        assertTrue(dir.resolve("units").resolve("b.json").toFile().delete());
        List<Counted> second = List.of(new Counted("a", 3, 10), new Counted("b", 2, 10), new Counted("c", 1, 10));
        SnapshotExporter.Outcome resumed = exporter(store, state, sinks, new AtomicBoolean()).write("X/", second);
        assertTrue(resumed.complete());
        assertEquals(0, second.get(0).reads.get(), "a finished unit is not read again");
        assertEquals(2, second.get(1).reads.get());
        assertEquals(0, second.get(2).reads.get());
        assertEquals(List.of("a", "c"), resumed.resumed().stream().map(ExportState.UnitDone::unit).toList());
        assertEquals(all.files(), resumed.files(), "the same files, in the units' order, with the same checksums");
    }

    @Test
    void aStoppedUnitIsNotRecordedAndIsWrittenAgainWhole() {
        InMemoryExportStore store = new InMemoryExportStore();
        ExportState state = new ExportState(dir);
        AtomicBoolean stop = new AtomicBoolean();
        Counted slow = new Counted("slow", 5, 10) {
            @Override
            public Page readPage(Position after) {
                if (after != null && after.encode().equals("2")) {
                    stop.set(true);
                }
                return super.readPage(after);
            }
        };
        SnapshotExporter.Outcome stopped = exporter(store, state, new ConcurrentHashMap<>(), stop).write("X/", List.of(slow));
        assertFalse(stopped.complete());
        assertTrue(state.done("slow").isEmpty(), "no record for a unit cut short");
        SnapshotExporter.Outcome again = exporter(store, state, new ConcurrentHashMap<>(), new AtomicBoolean())
                .write("X/", List.of(new Counted("slow", 5, 10)));
        assertTrue(again.complete());
        assertEquals(50, again.files().get(0).itemCount());
    }

    @Test
    void anItemOverTheItemLimitIsDeadLetteredWithItsSizeAndCountedForItsUnit() {
        InMemoryExportStore store = new InMemoryExportStore();
        ExportState state = new ExportState(dir);
        Map<String, CountingSink> sinks = new ConcurrentHashMap<>();
        Counted unit = new Counted("u", 1, 3);
        unit.extra.add(Map.of("pk", AttributeValue.fromS("big"), "v", AttributeValue.fromS("x".repeat(410 * 1024))));
        SnapshotExporter.Outcome out = exporter(store, state, sinks, new AtomicBoolean()).write("X/", List.of(unit));
        assertEquals(3, out.files().get(0).itemCount());
        assertEquals(1, out.done().get(0).deadLettered());
        assertTrue(sinks.get("u").reasons.get(0).contains("over DynamoDB's item limit"), sinks.get("u").reasons.toString());
        assertEquals(1, state.done("u").orElseThrow().deadLettered());
    }

    @Test
    void aRetiredExportKeepsItsDeadLettersAndForgetsItsUnits() throws Exception {
        ExportState state = new ExportState(dir);
        state.saveHeader(new ExportState.Header("src", "to", "ION", "0001-ab", "2026-12-01T00:00:00Z", List.of("4")));
        state.saveDone(new ExportState.UnitDone("u", new ExportDataFile(1, "x", "y", "k"), 10, 1));
        java.nio.file.Files.writeString(state.deadLetters(), "{\"reason\":\"r\"}\n");
        state.retire();
        assertTrue(state.header().isEmpty());
        assertTrue(state.done("u").isEmpty());
        assertFalse(java.nio.file.Files.exists(state.deadLetters()));
        assertEquals("{\"reason\":\"r\"}\n", java.nio.file.Files.readString(dir.resolve("dead-letters-0001-ab.jsonl")));
    }
}
