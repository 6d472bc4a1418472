package io.cutover.core.copy;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.CheckpointStore;
import io.cutover.core.checkpoint.UnitCheckpoint;
import io.cutover.core.throttle.AdaptiveConcurrency;
import io.cutover.core.throttle.Throttle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk-copy pipeline, the same for every source and item form ({@code T}: attribute maps, or a
 * connector's raw items on a pass-through path): runs units of work in parallel, and inside each
 * unit overlaps reading page n+1 with writing page n. A unit's checkpoint moves to the end of page n
 * only after the target acknowledged every item of pages 1..n, so a crash at any moment resumes
 * from a position with nothing unacknowledged before it (docs/decisions/0003-checkpoint-files.md).
 *
 * <p>How many units run at once is a limit on page cycles (read page n+1, then wait for page n's acknowledgement):
 * fixed, or found by the climb of {@link AdaptiveConcurrency} on pages per second (decision 0102, addendum on copy
 * readers) with as many threads as its maximum. A unit keeps its permit while it has a page in flight, and a unit that
 * has to wait for a permit first waits for its page in flight, so it holds no page while it waits: memory is bounded by
 * {@code limit x 2} pages, whatever the size of the table and however many units there are. Items of a
 * page are shuffled before writing so that the source's key order does not aim every write at one
 * partition of the target.
 *
 * <p>{@link #run} blocks the caller; {@link #requestStop} may be called from any thread (a signal
 * handler) and makes every unit stop after its current page, with its checkpoint saved. A unit that
 * fails does the same to the others at once (whichever unit it is), and {@link #run} then throws its
 * failure: the run is resumable from every unit's checkpoint.
 */
public final class BulkCopier<T> {
    private static final Logger LOG = LoggerFactory.getLogger(BulkCopier.class);

    private final CheckpointStore checkpoints;
    private final String scope;
    private final ItemWriter<T> writer;
    private final AdaptiveConcurrency readers;
    private final Throttle readThrottle;
    private final CopyProgress progress;
    private final AtomicBoolean stop = new AtomicBoolean();

    /** Runs {@code parallelism} units at once. */
    public BulkCopier(CheckpointStore checkpoints, String scope, ItemWriter<T> writer, int parallelism, Throttle readThrottle,
                      CopyProgress progress) {
        this(checkpoints, scope, writer, fixedReaders(parallelism), readThrottle, progress);
    }

    private static AdaptiveConcurrency fixedReaders(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
        return AdaptiveConcurrency.fixed(parallelism);
    }

    /** Runs as many units at once as {@code readers} allows (fixed, or found as it goes). */
    public BulkCopier(CheckpointStore checkpoints, String scope, ItemWriter<T> writer, AdaptiveConcurrency readers, Throttle readThrottle,
                      CopyProgress progress) {
        this.checkpoints = Objects.requireNonNull(checkpoints);
        this.scope = Objects.requireNonNull(scope);
        this.writer = Objects.requireNonNull(writer);
        this.readers = Objects.requireNonNull(readers);
        this.readThrottle = Objects.requireNonNull(readThrottle);
        this.progress = Objects.requireNonNull(progress);
    }

    public void requestStop() {
        stop.set(true);
    }

    public BulkCopyStats run(List<? extends ItemUnit<T>> units) {
        LongAdder items = new LongAdder();
        LongAdder bytes = new LongAdder();
        LongAdder dead = new LongAdder();
        LongAdder resumed = new LongAdder();
        AtomicInteger completed = new AtomicInteger();
        Map<String, UnitCheckpoint> saved = checkpoints.loadAll(scope);

        ExecutorService pool = Executors.newFixedThreadPool(Math.min(readers.max(), Math.max(1, units.size())), r -> {
            Thread t = new Thread(r, "cutover-unit");
            t.setDaemon(true);
            return t;
        });
        // Taken in the order they end, so that one unit's failure is seen at once, not after every unit before it.
        CompletionService<Object> running = new ExecutorCompletionService<>(pool);
        int submitted = 0;
        try {
            for (ItemUnit<T> unit : units) {
                UnitCheckpoint start = saved.getOrDefault(unit.id(), UnitCheckpoint.start(unit.id()));
                resumed.add(start.items());
                if (start.complete()) {
                    completed.incrementAndGet();
                    progress.unitDone(unit.id());
                    continue;
                }
                running.submit(() -> {
                    if (runUnit(unit, start, items, bytes, dead)) {
                        completed.incrementAndGet();
                        progress.unitDone(unit.id());
                    }
                    return null;
                });
                submitted++;
            }
            for (int i = 0; i < submitted; i++) {
                await(take(running));
            }
        } catch (RuntimeException e) {
            // Let the other units finish their page and checkpoint, so nothing runs on after we return.
            stop.set(true);
            pool.shutdown();
            awaitTermination(pool);
            throw e;
        } finally {
            pool.shutdown();
        }
        return new BulkCopyStats(items.sum(), bytes.sum(), dead.sum(), resumed.sum(), units.size(), completed.get(),
                completed.get() < units.size());
    }

    /** Returns true when the unit finished, false when it stopped on request. */
    private boolean runUnit(ItemUnit<T> unit, UnitCheckpoint start, LongAdder items, LongAdder bytes, LongAdder dead)
            throws InterruptedException {
        Position position = start.position() == null ? null : unit.decode(start.position());
        UnitCheckpoint last = start;
        CompletableFuture<WriteOutcome> inFlight = null;
        Position inFlightNext = null;
        if (position == null && start.position() != null) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "checkpoint of " + unit.id() + " cannot be decoded");
        }
        // A permit is held from reading a page until that page is acknowledged, or, when the limit fell, until the unit
        // waits for it: so no more pages are held than twice the permits, however many units run at once.
        boolean holding = false;
        try {
            while (true) {
                if (stop.get()) {
                    if (inFlight != null) {
                        acknowledge(unit, last, inFlight, inFlightNext, false, items, bytes, dead);
                    }
                    return false;
                }
                if (!holding) {
                    // Waiting for a permit: first wait for the page in flight, so that a waiting unit holds no page.
                    if (inFlight != null) {
                        last = acknowledge(unit, last, inFlight, inFlightNext, false, items, bytes, dead);
                        inFlight = null;
                    }
                    readers.acquire();
                    holding = true;
                }
                long cycleStart = System.nanoTime();
                ItemPage<T> page = unit.readItems(position);
                readThrottle.acquire(Math.max(1, page.items().size()));
                List<T> shuffled = new ArrayList<>(page.items());
                Collections.shuffle(shuffled, ThreadLocalRandom.current());
                CompletableFuture<WriteOutcome> written = shuffled.isEmpty()
                        ? CompletableFuture.completedFuture(WriteOutcome.NONE)
                        : writer.write(shuffled).thenApply(this::reportWritten);
                if (inFlight != null) {
                    last = acknowledge(unit, last, inFlight, inFlightNext, false, items, bytes, dead);
                }
                // One page cycle: this page read and handed over, the one before acknowledged. Their rate is what the climb
                // follows; the permit stays with the page now in flight unless the limit fell.
                holding = readers.renew(System.nanoTime() - cycleStart);
                inFlight = written;
                inFlightNext = page.next();
                if (page.last()) {
                    acknowledge(unit, last, inFlight, null, true, items, bytes, dead);
                    return true;
                }
                position = page.next();
            }
        } finally {
            if (holding) {
                readers.giveBack();
            }
        }
    }

    /** Progress sees a page as soon as the target acknowledged it, ahead of the checkpoint (every connector, one place). */
    private WriteOutcome reportWritten(WriteOutcome outcome) {
        progress.written(outcome.written() + outcome.deadLettered());
        return outcome;
    }

    private UnitCheckpoint acknowledge(ItemUnit<T> unit, UnitCheckpoint last, CompletableFuture<WriteOutcome> inFlight,
                                       Position next, boolean complete, LongAdder items, LongAdder bytes, LongAdder dead) {
        WriteOutcome outcome = join(inFlight);
        UnitCheckpoint cp = new UnitCheckpoint(unit.id(), complete ? null : next.encode(), complete, last.items() + outcome.written(), last.bytes() + outcome.bytes());
        checkpoints.save(scope, cp);
        items.add(outcome.written());
        bytes.add(outcome.bytes());
        dead.add(outcome.deadLettered());
        progress.acknowledged(unit.id(), outcome.written() + outcome.deadLettered(), outcome.bytes());
        LOG.debug("{} {} acknowledged {} items", scope, unit.id(), cp.items());
        return cp;
    }

    private static void awaitTermination(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }

    private static WriteOutcome join(CompletableFuture<WriteOutcome> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        }
    }

    private static Future<?> take(CompletionService<Object> running) {
        try {
            return running.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "the copy was interrupted", e);
        }
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "the copy was interrupted", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    private static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CutoverException ce) {
            return ce;
        }
        return new CutoverException(ErrorCode.INTERNAL, "unexpected failure: " + t, t);
    }
}
