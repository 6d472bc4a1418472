package io.cutover.core.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.CheckpointStore;
import io.cutover.core.checkpoint.InMemoryCheckpointStore;
import io.cutover.core.checkpoint.UnitCheckpoint;
import io.cutover.core.item.ItemSize;
import io.cutover.core.throttle.Throttle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BulkCopierTest {
    private static final String SCOPE = "source--to--target";

    /** The fake connector's position: the index of the next page to read. */
    record PagePosition(int page) implements Position {
        @Override
        public String encode() {
            return "page-" + page;
        }
    }

    private static Map<String, AttributeValue> item(String unit, int page, int i) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("id", AttributeValue.fromS(unit + "/p" + page + "/i" + i));
        item.put("unit", AttributeValue.fromS(unit));
        item.put("page", AttributeValue.fromN(Integer.toString(page)));
        return item;
    }

    private static String id(Map<String, AttributeValue> item) {
        return item.get("id").s();
    }

    /** Serves pages from a list; records what was read. */
    static final class FakeUnit implements SnapshotUnit {
        final String id;
        final List<List<Map<String, AttributeValue>>> pages = new ArrayList<>();
        final Queue<Integer> reads = new ConcurrentLinkedQueue<>();
        volatile Runnable onFirstPage = () -> { };
        volatile Runnable onEveryPage = () -> { };
        volatile CutoverException failOnPage;
        volatile int failPage = -1;

        FakeUnit(String id, int... pageSizes) {
            this.id = id;
            for (int p = 0; p < pageSizes.length; p++) {
                List<Map<String, AttributeValue>> page = new ArrayList<>();
                for (int i = 0; i < pageSizes[p]; i++) {
                    page.add(item(id, p, i));
                }
                pages.add(Collections.unmodifiableList(page));
            }
        }

        static FakeUnit uniform(String id, int pageCount, int pageSize) {
            int[] sizes = new int[pageCount];
            Arrays.fill(sizes, pageSize);
            return new FakeUnit(id, sizes);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Page readPage(Position after) {
            int page = after == null ? 0 : ((PagePosition) after).page();
            reads.add(page);
            onEveryPage.run();
            if (page == failPage) {
                throw failOnPage;
            }
            if (page == 0) {
                onFirstPage.run();
            }
            return new Page(pages.get(page), page + 1 < pages.size() ? new PagePosition(page + 1) : null);
        }

        @Override
        public Position decode(String encoded) {
            if (!encoded.startsWith("page-")) {
                return null;
            }
            return new PagePosition(Integer.parseInt(encoded.substring("page-".length())));
        }

        Set<String> ids() {
            return pages.stream().flatMap(List::stream).map(BulkCopierTest::id).collect(Collectors.toSet());
        }

        long itemsBefore(int page) {
            return pages.subList(0, page).stream().mapToLong(List::size).sum();
        }

        long bytesBefore(int page) {
            return pages.subList(0, page).stream().flatMap(List::stream).mapToLong(ItemSize::billed).sum();
        }

        int lastNonEmptyPage() {
            for (int p = pages.size() - 1; p >= 0; p--) {
                if (!pages.get(p).isEmpty()) {
                    return p;
                }
            }
            return -1;
        }
    }

    /** Which pages a target acknowledged, across every writer of one test. */
    static final class Ledger {
        final Set<String> completedPages = ConcurrentHashMap.newKeySet();

        void completed(String unit, int page) {
            completedPages.add(unit + "#" + page);
        }

        boolean isCompleted(String unit, int page) {
            return completedPages.contains(unit + "#" + page);
        }
    }

    enum Mode {
        /** Futures complete before write returns. */
        IMMEDIATE,
        /** Futures complete on the writer's own threads. */
        ASYNC,
        /** A page's future completes only when the unit's next page is handed over (the last page at once). */
        DEFERRED
    }

    /** Records items; can fail the Nth write, or complete futures later. */
    final class FakeWriter implements TargetWriter {
        final Mode mode;
        final Ledger ledger;
        final AtomicInteger writes = new AtomicInteger();
        final Queue<String> attempted = new ConcurrentLinkedQueue<>();
        final Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
        final Map<String, Set<Integer>> pagesWritten = new ConcurrentHashMap<>();
        final Map<String, Runnable> pending = new ConcurrentHashMap<>();
        volatile int failOnWrite;
        volatile Throwable failure = new CutoverException(ErrorCode.REJECTED, "the target refused the page");
        volatile String failedUnit;
        volatile int failedPage = -1;
        volatile BiConsumer<String, Integer> beforeWrite = (unit, page) -> { };
        /** ASYNC: how long the writer's thread takes to acknowledge a page (a target slower than the reads). */
        volatile long ackDelayMillis;
        final AtomicInteger acknowledgedPages = new AtomicInteger();
        private final ExecutorService completer;

        FakeWriter(Mode mode, Ledger ledger) {
            this.mode = mode;
            this.ledger = ledger;
            this.completer = mode == Mode.ASYNC ? Executors.newFixedThreadPool(3, r -> {
                Thread t = new Thread(r, "fake-writer");
                t.setDaemon(true);
                return t;
            }) : null;
            if (completer != null) {
                executors.add(completer);
            }
        }

        @Override
        public CompletableFuture<WriteOutcome> write(List<Map<String, AttributeValue>> items) {
            int n = writes.incrementAndGet();
            String unit = items.get(0).get("unit").s();
            int page = Integer.parseInt(items.get(0).get("page").n());
            for (Map<String, AttributeValue> item : items) {
                if (!item.get("unit").s().equals(unit) || !item.get("page").n().equals(Integer.toString(page))) {
                    violations.add("one write mixed pages: " + items);
                }
            }
            beforeWrite.accept(unit, page);
            items.forEach(i -> attempted.add(id(i)));
            pagesWritten.computeIfAbsent(unit, u -> ConcurrentHashMap.newKeySet()).add(page);
            if (n == failOnWrite) {
                failedUnit = unit;
                failedPage = page;
                return CompletableFuture.failedFuture(failure);
            }
            List<Map<String, AttributeValue>> copy = List.copyOf(items);
            switch (mode) {
                case IMMEDIATE:
                    return CompletableFuture.completedFuture(acknowledge(unit, page, copy));
                case ASYNC:
                    return CompletableFuture.supplyAsync(() -> {
                        sleep(ackDelayMillis);
                        return acknowledge(unit, page, copy);
                    }, completer);
                default:
                    CompletableFuture<WriteOutcome> f = new CompletableFuture<>();
                    Runnable complete = () -> f.complete(acknowledge(unit, page, copy));
                    Runnable previous = pending.remove(unit);
                    if (previous != null) {
                        previous.run();
                    }
                    if (page == units.get(unit).lastNonEmptyPage()) {
                        complete.run();
                    } else {
                        pending.put(unit, complete);
                    }
                    return f;
            }
        }

        private WriteOutcome acknowledge(String unit, int page, List<Map<String, AttributeValue>> items) {
            items.forEach(i -> acknowledged.add(id(i)));
            ledger.completed(unit, page);
            acknowledgedPages.incrementAndGet();
            return new WriteOutcome(items.size(), items.stream().mapToLong(ItemSize::billed).sum(), 0);
        }

        Set<Integer> pagesOf(String unit) {
            return new TreeSet<>(pagesWritten.getOrDefault(unit, Set.of()));
        }

        @Override
        public long retries() {
            return 0;
        }

        @Override
        public long throttles() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    /** Checks every save against what the target acknowledged, then keeps it in an InMemoryCheckpointStore. */
    final class CheckingStore implements CheckpointStore {
        final InMemoryCheckpointStore inner = new InMemoryCheckpointStore();
        final Queue<UnitCheckpoint> saves = new ConcurrentLinkedQueue<>();

        @Override
        public Optional<UnitCheckpoint> load(String scope, String unitId) {
            return inner.load(scope, unitId);
        }

        @Override
        public Map<String, UnitCheckpoint> loadAll(String scope) {
            return inner.loadAll(scope);
        }

        @Override
        public void save(String scope, UnitCheckpoint checkpoint) {
            checkCoveredPagesAcknowledged("save", checkpoint);
            saves.add(checkpoint);
            inner.save(scope, checkpoint);
        }

        @Override
        public void clear(String scope) {
            inner.clear(scope);
        }
    }

    private final Map<String, FakeUnit> units = new LinkedHashMap<>();
    private final Ledger ledger = new Ledger();
    private final CheckingStore store = new CheckingStore();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final List<ExecutorService> executors = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void shutDownExecutors() {
        executors.forEach(ExecutorService::shutdownNow);
    }

    private FakeUnit add(FakeUnit unit) {
        units.put(unit.id(), unit);
        return unit;
    }

    private List<FakeUnit> unitList() {
        return new ArrayList<>(units.values());
    }

    private Set<String> allIds() {
        return units.values().stream().flatMap(u -> u.ids().stream()).collect(Collectors.toSet());
    }

    private long totalItems() {
        return units.values().stream().mapToLong(u -> u.itemsBefore(u.pages.size())).sum();
    }

    /** Pages before a checkpoint's position (all pages when complete). */
    private int pagesCovered(UnitCheckpoint cp) {
        FakeUnit unit = units.get(cp.unitId());
        if (cp.complete()) {
            return unit.pages.size();
        }
        return cp.position() == null ? 0 : ((PagePosition) unit.decode(cp.position())).page();
    }

    private void checkCoveredPagesAcknowledged(String when, UnitCheckpoint cp) {
        FakeUnit unit = units.get(cp.unitId());
        if (unit == null) {
            violations.add(when + ": checkpoint of an unknown unit " + cp);
            return;
        }
        int covered = pagesCovered(cp);
        for (int p = 0; p < covered; p++) {
            if (!unit.pages.get(p).isEmpty() && !ledger.isCompleted(unit.id(), p)) {
                violations.add(when + ": " + cp + " covers page " + p + " of " + unit.id() + " before the target acknowledged it");
            }
        }
        if (cp.items() != unit.itemsBefore(covered) || cp.bytes() != unit.bytesBefore(covered)) {
            violations.add(when + ": " + cp + " counts " + cp.items() + " items / " + cp.bytes() + " bytes, but pages 0.."
                    + (covered - 1) + " hold " + unit.itemsBefore(covered) + " / " + unit.bytesBefore(covered));
        }
    }

    private BulkCopier<Map<String, AttributeValue>> copier(FakeWriter writer, int parallelism) {
        return new BulkCopier<>(store, SCOPE, writer, parallelism, Throttle.unlimited(), CopyProgress.NONE);
    }

    /** After a failed run, workers of other units may still be finishing their current page. */
    private static void awaitUnitWorkersGone() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("cutover-unit")) {
                t.join(TimeUnit.SECONDS.toMillis(10));
                assertFalse(t.isAlive(), "a unit worker is still running");
            }
        }
    }

    private static Map<String, Long> counts(Queue<String> ids) {
        return ids.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    }

    private void assertNoViolations() {
        assertTrue(violations.isEmpty(), String.join("\n", violations));
    }

    @Test
    void copiesEveryItemExactlyOnceWithUnitsInParallel() throws Exception {
        int parallelism = 4;
        for (int u = 0; u < 7; u++) {
            add(FakeUnit.uniform("segment-" + u, 3 + u, 5 + u));
        }
        add(new FakeUnit("segment-gaps", 4, 0, 3, 0, 2));
        add(new FakeUnit("segment-empty", 0));
        CyclicBarrier together = new CyclicBarrier(parallelism);
        AtomicBoolean barrierFailed = new AtomicBoolean();
        AtomicInteger reading = new AtomicInteger();
        AtomicInteger maxReading = new AtomicInteger();
        for (FakeUnit unit : units.values()) {
            unit.onFirstPage = () -> {
                maxReading.accumulateAndGet(reading.incrementAndGet(), Math::max);
                try {
                    together.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    barrierFailed.set(true);
                } finally {
                    reading.decrementAndGet();
                }
            };
        }
        // 9 units, barrier of 4: the last unit would wait alone, so let the barrier go after two rounds.
        units.get("segment-empty").onFirstPage = () -> { };
        FakeWriter writer = new FakeWriter(Mode.ASYNC, ledger);

        BulkCopyStats stats = copier(writer, parallelism).run(unitList());

        assertFalse(barrierFailed.get(), "units did not read at the same time: they did not run in parallel");
        assertTrue(maxReading.get() <= parallelism, "at most " + parallelism + " units at once, saw " + maxReading.get());
        Map<String, Long> acknowledged = counts(writer.acknowledged);
        assertEquals(allIds(), acknowledged.keySet(), "every item copied");
        assertTrue(acknowledged.values().stream().allMatch(c -> c == 1), "no item written twice: " + acknowledged);
        assertEquals(totalItems(), writer.attempted.size(), "no item handed to the writer twice");
        assertEquals(new BulkCopyStats(totalItems(), units.values().stream().mapToLong(u -> u.bytesBefore(u.pages.size())).sum(),
                0, 0, units.size(), units.size(), false), stats);
        Map<String, UnitCheckpoint> saved = store.loadAll(SCOPE);
        assertEquals(units.keySet(), saved.keySet());
        for (FakeUnit unit : units.values()) {
            UnitCheckpoint cp = saved.get(unit.id());
            assertTrue(cp.complete(), cp.toString());
            assertEquals(unit.itemsBefore(unit.pages.size()), cp.items(), cp.toString());
            assertEquals(List.copyOf(rangeList(unit.pages.size())), List.copyOf(unit.reads), "each page read once, in order");
        }
        assertNoViolations();
    }

    /**
     * {@code --parallelism auto}: units whose reads take time (a Scan page's round trip) and a target that takes whatever it
     * is given; reading more units at once reads faster, so the limit climbs above where it started. Every item is still
     * copied once with its checkpoints, and no more units read at once than the limit ever allowed.
     */
    @Test
    void adaptiveReadersClimbWhileMoreUnitsAtOnceCopyFasterAndLoseNothing() throws Exception {
        for (int u = 0; u < 24; u++) {
            add(FakeUnit.uniform("segment-" + u, 60, 3));
        }
        AtomicInteger reading = new AtomicInteger();
        AtomicInteger maxReading = new AtomicInteger();
        for (FakeUnit unit : units.values()) {
            unit.onEveryPage = () -> {
                maxReading.accumulateAndGet(reading.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(3);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    reading.decrementAndGet();
                }
            };
        }
        FakeWriter writer = new FakeWriter(Mode.ASYNC, ledger);
        io.cutover.core.throttle.AdaptiveConcurrency readers = io.cutover.core.throttle.AdaptiveConcurrency.adaptive(2, 16);

        BulkCopyStats stats = new BulkCopier<>(store, SCOPE, writer, readers, Throttle.unlimited(), CopyProgress.NONE).run(unitList());

        assertTrue(readers.peak() > 2, "the limit never rose above its start of 2");
        assertTrue(maxReading.get() <= readers.peak(), maxReading.get() + " units read at once, above the highest limit " + readers.peak());
        Map<String, Long> acknowledged = counts(writer.acknowledged);
        assertEquals(allIds(), acknowledged.keySet(), "every item copied");
        assertTrue(acknowledged.values().stream().allMatch(c -> c == 1), "no item written twice");
        assertEquals(totalItems(), stats.items());
        assertTrue(store.loadAll(SCOPE).values().stream().allMatch(UnitCheckpoint::complete));
        assertNoViolations();
    }

    /**
     * {@code --parallelism auto} with many more units than permits, and a target slower than the reads: a unit keeps its
     * permit while its page is written, so the pages read and not yet acknowledged stay within twice the highest limit.
     * (When a unit gave its permit back after every page, each running unit could keep a page queued at the writer: 8
     * pages were held where the bound was 4.)
     */
    @Test
    void adaptiveReadersHoldNoMorePagesThanTwiceTheLimitWhenTheTargetIsSlower() throws Exception {
        for (int u = 0; u < 24; u++) {
            add(FakeUnit.uniform("segment-" + u, 8, 3));
        }
        FakeWriter writer = new FakeWriter(Mode.ASYNC, ledger);
        writer.ackDelayMillis = 2;
        AtomicInteger pagesRead = new AtomicInteger();
        AtomicInteger maxHeld = new AtomicInteger();
        for (FakeUnit unit : units.values()) {
            unit.onEveryPage = () -> maxHeld.accumulateAndGet(pagesRead.incrementAndGet() - writer.acknowledgedPages.get(), Math::max);
        }
        io.cutover.core.throttle.AdaptiveConcurrency readers = io.cutover.core.throttle.AdaptiveConcurrency.adaptive(2, 16);

        BulkCopyStats stats = new BulkCopier<>(store, SCOPE, writer, readers, Throttle.unlimited(), CopyProgress.NONE).run(unitList());

        assertTrue(maxHeld.get() <= 2 * readers.peak(), maxHeld.get() + " pages held at once, above twice the highest limit " + readers.peak());
        assertEquals(totalItems(), stats.items());
        assertEquals(allIds(), counts(writer.acknowledged).keySet(), "every item copied");
        assertNoViolations();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Integer> rangeList(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void checkpointIsSavedOnlyAfterThePagesWriteAndEveryEarlierWriteCompleted() {
        for (int u = 0; u < 3; u++) {
            add(FakeUnit.uniform("segment-" + u, 6, 4));
        }
        FakeWriter writer = new FakeWriter(Mode.DEFERRED, ledger);
        List<String> lag = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inspections = new AtomicInteger();
        writer.beforeWrite = (unit, page) -> {
            // At this moment the writer still holds page-1's future incomplete.
            inspections.incrementAndGet();
            Optional<UnitCheckpoint> cp = store.inner.load(SCOPE, unit);
            cp.ifPresent(c -> checkCoveredPagesAcknowledged("write of " + unit + " page " + page, c));
            int covered = cp.map(this::pagesCovered).orElse(0);
            if (cp.isPresent() && cp.get().complete()) {
                violations.add(unit + " was checkpointed complete before its page " + page + " was written");
            }
            if (covered != Math.max(0, page - 1)) {
                lag.add(unit + " page " + page + " written with " + covered + " pages checkpointed");
            }
        };

        BulkCopyStats stats = copier(writer, 3).run(unitList());

        assertNoViolations();
        assertEquals(18, inspections.get(), "the checkpoint was inspected at every write");
        assertTrue(lag.isEmpty(), "the checkpoint trails the write in flight by exactly one page: " + lag);
        assertEquals(3, stats.unitsCompleted());
        assertEquals(Set.copyOf(allIds()), Set.copyOf(writer.acknowledged));
    }

    @Test
    void checkpointAdvancesAfterEveryAcknowledgedPageWithItsCounts() {
        FakeUnit unit = add(new FakeUnit("segment-0", 3, 1, 0, 4, 2));
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);

        copier(writer, 1).run(unitList());

        List<UnitCheckpoint> saves = new ArrayList<>(store.saves);
        List<String> positions = saves.stream().map(c -> c.complete() ? "complete" : c.position()).toList();
        assertEquals(List.of("page-1", "page-2", "page-3", "page-4", "complete"), positions);
        assertEquals(List.of(3L, 4L, 4L, 8L, 10L), saves.stream().map(UnitCheckpoint::items).toList());
        assertEquals(unit.bytesBefore(5), saves.get(4).bytes());
        assertNoViolations();
    }

    @Test
    void writerFailurePropagatesAndNoCheckpointPointsPastTheFailedPage() throws Exception {
        for (int u = 0; u < 3; u++) {
            add(FakeUnit.uniform("segment-" + u, 8, 3));
        }
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);
        writer.failOnWrite = 10;

        CutoverException e = assertThrows(CutoverException.class, () -> copier(writer, 3).run(unitList()));
        awaitUnitWorkersGone();

        assertSame(writer.failure, e, "the writer's CutoverException is what the run throws");
        UnitCheckpoint failed = store.load(SCOPE, writer.failedUnit).orElse(UnitCheckpoint.start(writer.failedUnit));
        assertFalse(failed.complete());
        assertTrue(pagesCovered(failed) <= writer.failedPage,
                "checkpoint " + failed + " points past failed page " + writer.failedPage);
        assertNoViolations();
    }

    @Test
    void writerFailureThatIsNotACutoverExceptionBecomesInternal() throws Exception {
        add(FakeUnit.uniform("segment-0", 4, 2));
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);
        IllegalStateException bug = new IllegalStateException("bug in the writer");
        writer.failure = bug;
        writer.failOnWrite = 2;

        CutoverException e = assertThrows(CutoverException.class, () -> copier(writer, 1).run(unitList()));
        awaitUnitWorkersGone();

        assertEquals(ErrorCode.INTERNAL, e.code());
        assertSame(bug, e.getCause());
        assertTrue(pagesCovered(store.load(SCOPE, "segment-0").orElseThrow()) <= 1);
        assertNoViolations();
    }

    @Test
    void sourceFailurePropagatesWithCheckpointsOfWhatWasAcknowledged() throws Exception {
        FakeUnit unit = add(FakeUnit.uniform("segment-0", 6, 2));
        CutoverException readFailure = new CutoverException(ErrorCode.RETRIES_EXHAUSTED, "Scan failed 10 times");
        unit.failOnPage = readFailure;
        unit.failPage = 3;
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);

        CutoverException e = assertThrows(CutoverException.class, () -> copier(writer, 1).run(unitList()));
        awaitUnitWorkersGone();

        assertSame(readFailure, e);
        UnitCheckpoint cp = store.load(SCOPE, "segment-0").orElseThrow();
        assertTrue(pagesCovered(cp) <= 3, cp.toString());
        assertNoViolations();
    }

    @Test
    void rerunAfterFailureResumesFromTheLastCheckpointAndWithTheFirstRunCoversEveryItem() throws Exception {
        for (int u = 0; u < 4; u++) {
            add(FakeUnit.uniform("segment-" + u, 5 + u, 3));
        }
        FakeWriter first = new FakeWriter(Mode.IMMEDIATE, ledger);
        first.failOnWrite = 7;
        assertThrows(CutoverException.class, () -> copier(first, 2).run(unitList()));
        awaitUnitWorkersGone();
        Map<String, UnitCheckpoint> afterFailure = store.loadAll(SCOPE);
        long checkpointed = afterFailure.values().stream().mapToLong(UnitCheckpoint::items).sum();
        assertFalse(afterFailure.size() == units.size() && afterFailure.values().stream().allMatch(UnitCheckpoint::complete),
                "the first run did not finish: " + afterFailure);
        units.values().forEach(u -> u.reads.clear());

        FakeWriter second = new FakeWriter(Mode.IMMEDIATE, ledger);
        BulkCopyStats stats = copier(second, 2).run(unitList());

        assertEquals(checkpointed, stats.resumedItems(), "resumed items are the checkpointed ones");
        assertEquals(totalItems(), stats.items() + stats.resumedItems());
        assertEquals(units.size(), stats.unitsCompleted());
        assertFalse(stats.stopped());
        for (FakeUnit unit : units.values()) {
            UnitCheckpoint cp = afterFailure.getOrDefault(unit.id(), UnitCheckpoint.start(unit.id()));
            int resumeAt = pagesCovered(cp);
            Set<Integer> rewritten = second.pagesOf(unit.id());
            assertTrue(rewritten.stream().allMatch(p -> p >= resumeAt),
                    unit.id() + " resumed at page " + resumeAt + " but wrote pages " + rewritten);
            List<Integer> reads = List.copyOf(unit.reads);
            if (cp.complete()) {
                assertEquals(List.of(), reads, unit.id() + " was complete and is not read again");
            } else {
                assertEquals(resumeAt, reads.get(0), unit.id() + " reads from its checkpoint");
            }
            assertTrue(store.load(SCOPE, unit.id()).orElseThrow().complete());
        }
        Set<String> union = new HashSet<>(first.acknowledged);
        union.addAll(second.acknowledged);
        assertEquals(allIds(), union, "the two runs together wrote every item");
        assertTrue(counts(second.acknowledged).values().stream().allMatch(c -> c == 1), "the second run wrote each item once");
        assertNoViolations();
    }

    @Test
    void completeUnitsAreSkippedOnResumeAndTheirItemsCountedAsResumed() {
        FakeUnit done = add(FakeUnit.uniform("segment-0", 3, 4));
        FakeUnit half = add(FakeUnit.uniform("segment-1", 4, 5));
        FakeUnit fresh = add(FakeUnit.uniform("segment-2", 2, 3));
        store.inner.save(SCOPE, new UnitCheckpoint(done.id(), null, true, 12, done.bytesBefore(3)));
        store.inner.save(SCOPE, new UnitCheckpoint(half.id(), "page-2", false, 10, half.bytesBefore(2)));
        // What an earlier run acknowledged.
        for (int p = 0; p < 3; p++) {
            ledger.completed(done.id(), p);
        }
        ledger.completed(half.id(), 0);
        ledger.completed(half.id(), 1);
        List<String> unitsDone = Collections.synchronizedList(new ArrayList<>());
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);
        BulkCopier<Map<String, AttributeValue>> copier = new BulkCopier<>(store, SCOPE, writer, 3, Throttle.unlimited(), new CopyProgress() {
            @Override
            public void unitDone(String unitId) {
                unitsDone.add(unitId);
            }
        });

        BulkCopyStats stats = copier.run(unitList());

        assertTrue(done.reads.isEmpty(), "a complete unit is not read");
        assertEquals(Set.of(), writer.pagesOf(done.id()));
        assertEquals(2, half.reads.peek(), "a partial unit resumes at its checkpoint");
        assertEquals(Set.of(2, 3), writer.pagesOf(half.id()));
        assertEquals(Set.of(0, 1), writer.pagesOf(fresh.id()));
        assertEquals(12 + 10, stats.resumedItems());
        assertEquals(10 + 6, stats.items());
        assertEquals(3, stats.unitsCompleted());
        assertFalse(stats.stopped());
        assertEquals(Set.of("segment-0", "segment-1", "segment-2"), Set.copyOf(unitsDone));
        assertEquals(3, unitsDone.size(), "each unit reported done once");
        assertNoViolations();
    }

    @Test
    void progressIsToldOfEveryWrittenItemAsPagesComplete() {
        for (int u = 0; u < 3; u++) {
            add(FakeUnit.uniform("segment-" + u, 4, 5));
        }
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        BulkCopier<Map<String, AttributeValue>> copier = new BulkCopier<>(store, SCOPE, new FakeWriter(Mode.ASYNC, ledger), 3, Throttle.unlimited(), new CopyProgress() {
            @Override
            public void written(long items) {
                written.addAndGet(items);
                calls.incrementAndGet();
            }
        });

        copier.run(unitList());

        assertEquals(totalItems(), written.get(), "every item counted once");
        assertEquals(3 * 4, calls.get(), "one call per page, as each page is acknowledged");
        assertNoViolations();
    }

    @Test
    void runningAFinishedCopyAgainReadsAndWritesNothing() {
        for (int u = 0; u < 3; u++) {
            add(FakeUnit.uniform("segment-" + u, 3, 3));
        }
        copier(new FakeWriter(Mode.IMMEDIATE, ledger), 3).run(unitList());
        units.values().forEach(u -> u.reads.clear());
        FakeWriter again = new FakeWriter(Mode.IMMEDIATE, ledger);

        BulkCopyStats stats = copier(again, 3).run(unitList());

        assertEquals(new BulkCopyStats(0, 0, 0, totalItems(), 3, 3, false), stats);
        assertEquals(0, again.writes.get());
        assertTrue(units.values().stream().allMatch(u -> u.reads.isEmpty()));
    }

    @Test
    void requestStopStopsAfterTheCurrentPagesWithACheckpointThatResumesWithoutRewriting() {
        add(FakeUnit.uniform("segment-0", 10, 3));
        add(FakeUnit.uniform("segment-1", 10, 3));
        FakeWriter first = new FakeWriter(Mode.IMMEDIATE, ledger);
        AtomicReference<BulkCopier> running = new AtomicReference<>();
        AtomicBoolean once = new AtomicBoolean();
        first.beforeWrite = (unit, page) -> {
            if (first.writes.get() >= 5 && once.compareAndSet(false, true)) {
                running.get().requestStop();
            }
        };
        running.set(copier(first, 2));

        BulkCopyStats stopped = running.get().run(unitList());

        assertTrue(stopped.stopped());
        assertTrue(stopped.unitsCompleted() < 2, stopped.toString());
        assertTrue(first.writes.get() <= 5 + 2, "each unit stops after at most its current page: " + first.writes.get());
        Map<String, UnitCheckpoint> saved = store.loadAll(SCOPE);
        for (FakeUnit unit : units.values()) {
            UnitCheckpoint cp = saved.getOrDefault(unit.id(), UnitCheckpoint.start(unit.id()));
            assertFalse(cp.complete());
            assertEquals(new TreeSet<>(rangeList(pagesCovered(cp))), first.pagesOf(unit.id()),
                    "every page written before the stop is checkpointed, and nothing more: " + cp);
        }
        assertEquals(first.acknowledged.size(), stopped.items());

        FakeWriter second = new FakeWriter(Mode.IMMEDIATE, ledger);
        BulkCopyStats resumed = copier(second, 2).run(unitList());

        assertFalse(resumed.stopped());
        assertEquals(2, resumed.unitsCompleted());
        assertEquals(stopped.items(), resumed.resumedItems());
        List<String> all = new ArrayList<>(first.acknowledged);
        all.addAll(second.acknowledged);
        assertEquals(allIds(), Set.copyOf(all), "stop and resume together copy every item");
        assertEquals(totalItems(), all.size(), "and none twice");
        assertNoViolations();
    }

    @Test
    void stopRequestedBeforeTheRunReadsNothing() {
        add(FakeUnit.uniform("segment-0", 3, 3));
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);
        var copier = copier(writer, 1);
        copier.requestStop();

        BulkCopyStats stats = copier.run(unitList());

        assertTrue(stats.stopped());
        assertEquals(0, stats.unitsCompleted());
        assertEquals(0, writer.writes.get());
        assertTrue(units.get("segment-0").reads.isEmpty());
    }

    @Test
    void progressIsToldAboutEveryAcknowledgedItemAndFinishedUnit() {
        add(FakeUnit.uniform("segment-0", 4, 3));
        add(new FakeUnit("segment-1", 2, 0, 5));
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        Queue<String> done = new ConcurrentLinkedQueue<>();
        BulkCopier<Map<String, AttributeValue>> copier = new BulkCopier<>(store, SCOPE, new FakeWriter(Mode.ASYNC, ledger), 2, Throttle.unlimited(),
                new CopyProgress() {
                    @Override
                    public void acknowledged(String unitId, long items, long bytes) {
                        acknowledged.merge(unitId, items, Long::sum);
                    }

                    @Override
                    public void unitDone(String unitId) {
                        done.add(unitId);
                    }
                });

        copier.run(unitList());

        assertEquals(Map.of("segment-0", 12L, "segment-1", 7L), new HashMap<>(acknowledged));
        assertEquals(Set.of("segment-0", "segment-1"), Set.copyOf(done));
        assertEquals(2, done.size());
    }

    @Test
    void checkpointWhosePositionCannotBeDecodedIsAStateConflict() {
        add(FakeUnit.uniform("segment-0", 3, 3));
        store.inner.save(SCOPE, new UnitCheckpoint("segment-0", "written-by-another-connector", false, 3, 3));

        CutoverException e = assertThrows(CutoverException.class,
                () -> copier(new FakeWriter(Mode.IMMEDIATE, ledger), 1).run(unitList()));

        assertEquals(ErrorCode.STATE_CONFLICT, e.code());
        assertTrue(e.getMessage().contains("segment-0"), e.getMessage());
    }

    @Test
    void rejectsParallelismBelowOne() {
        assertThrows(IllegalArgumentException.class,
                () -> new BulkCopier<>(store, SCOPE, new FakeWriter(Mode.IMMEDIATE, ledger), 0, Throttle.unlimited(), CopyProgress.NONE));
    }

    @Test
    void aFailedUnitStopsTheOthersAtOnceAndLeavesThemResumable() throws Exception {
        FakeUnit slow = add(FakeUnit.uniform("segment-0-slow", 2_000, 1));
        slow.onEveryPage = () -> {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        FakeUnit bad = add(FakeUnit.uniform("segment-1-bad", 30, 1));
        bad.onEveryPage = slow.onEveryPage;
        bad.failOnPage = new CutoverException(ErrorCode.REJECTED, "the source refused the scan");
        bad.failPage = 20;
        FakeWriter writer = new FakeWriter(Mode.IMMEDIATE, ledger);

        long started = System.nanoTime();
        CutoverException e = assertThrows(CutoverException.class, () -> copier(writer, 2).run(unitList()));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        awaitUnitWorkersGone();

        assertSame(bad.failOnPage, e);
        assertTrue(slow.reads.size() < 1_000, "the slow unit was stopped, not run to its end first: it read " + slow.reads.size()
                + " pages in " + millis + " ms");
        UnitCheckpoint cp = store.loadAll(SCOPE).get(slow.id());
        assertTrue(cp != null && !cp.complete() && cp.items() > 0, "the stopped unit kept its checkpoint to resume from: " + cp);
        assertNoViolations();
    }
}
