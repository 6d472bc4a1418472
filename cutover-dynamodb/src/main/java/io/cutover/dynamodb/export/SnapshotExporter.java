package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.item.ItemSize;
import io.cutover.core.throttle.Throttle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes units of bulk work as export data files, one file per unit, from any source's units (a DynamoDB scan
 * segment, a SQL key range, a MongoDB {@code _id} range: their pages hold items already mapped). A unit's file is
 * recorded in the {@link ExportState} only once the store acknowledged it whole; a unit with a record is passed over,
 * one without is written again from its start (its earlier, partial file is replaced). An item DynamoDB would refuse
 * (over 400 KB) is dead-lettered with its reason instead of written, as a migration's write would be.
 *
 * <p>{@link #write} blocks, running up to {@code parallelism} units at once on its own threads; {@code stop} is polled
 * between pages.
 */
public final class SnapshotExporter {
    private final ExportStore store;
    private final ExportFormat format;
    private final int parallelism;
    private final Throttle readThrottle;
    private final CopyProgress progress;
    private final BooleanSupplier stop;
    private final Optional<ExportState> state;
    private final Function<String, DeadLetterSink> deadLettersFor;

    /**
     * @param state          where finished units are recorded; empty: nothing is recorded and every unit is written
     * @param deadLettersFor the sink of each unit (by its id), whose {@link DeadLetterSink#count()} is that unit's count
     */
    public SnapshotExporter(ExportStore store, ExportFormat format, int parallelism, Throttle readThrottle, CopyProgress progress,
                            BooleanSupplier stop, Optional<ExportState> state, Function<String, DeadLetterSink> deadLettersFor) {
        this.store = store;
        this.format = format;
        this.parallelism = parallelism;
        this.readThrottle = readThrottle;
        this.progress = progress;
        this.stop = stop;
        this.state = state;
        this.deadLettersFor = deadLettersFor;
    }

    /**
     * What {@link #write} did.
     *
     * @param done    the finished units in the units' order (those of earlier runs included)
     * @param resumed the units finished by earlier runs
     */
    public record Outcome(List<ExportState.UnitDone> done, List<ExportState.UnitDone> resumed, int units) {
        public boolean complete() {
            return done.size() == units;
        }

        public List<ExportDataFile> files() {
            return done.stream().map(ExportState.UnitDone::file).toList();
        }
    }

    /** Writes each unit not yet done to {@code folder + "data/" + unit id + suffix}. */
    public Outcome write(String folder, List<? extends SnapshotUnit> units) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(units.size(), parallelism)), r -> {
            Thread t = new Thread(r, "cutover-export");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Optional<ExportState.UnitDone>>> running = new ArrayList<>();
            List<ExportState.UnitDone> resumed = new ArrayList<>();
            for (SnapshotUnit unit : units) {
                Optional<ExportState.UnitDone> earlier = state.flatMap(s -> s.done(unit.id()));
                if (earlier.isPresent()) {
                    resumed.add(earlier.get()); // counted by the caller's tableStarted(..., alreadyCopied)
                    running.add(java.util.concurrent.CompletableFuture.completedFuture(earlier));
                } else {
                    running.add(pool.submit(() -> writeUnit(folder, unit)));
                }
            }
            List<ExportState.UnitDone> done = new ArrayList<>();
            for (Future<Optional<ExportState.UnitDone>> f : running) {
                await(f).ifPresent(done::add);
            }
            return new Outcome(done, resumed, units.size());
        } finally {
            pool.shutdownNow();
        }
    }

    private Optional<ExportState.UnitDone> writeUnit(String folder, SnapshotUnit unit) throws InterruptedException {
        DeadLetterSink dead = deadLettersFor.apply(unit.id());
        long deadBefore = dead.count();
        long billed = 0;
        try (ExportFileWriter writer = new ExportFileWriter(store, folder + "data/" + unit.id() + format.fileSuffix(), format)) {
            Position position = null;
            while (true) {
                if (stop.getAsBoolean()) {
                    return Optional.empty(); // the partial file is in no manifest and no record: the next run writes it again
                }
                Page page = unit.readPage(position);
                readThrottle.acquire(Math.max(1, page.items().size()));
                long pageBytes = 0;
                for (Map<String, AttributeValue> item : page.items()) {
                    long size = ItemSize.billed(item);
                    if (size > ItemSize.MAX_ITEM_BYTES) {
                        // DynamoDB would refuse it on a write and on ImportTable alike: the export holds what a migration writes
                        dead.accept(unit.id(), item, "item is " + size + " bytes, over DynamoDB's item limit of " + ItemSize.MAX_ITEM_BYTES
                                + " bytes");
                        continue;
                    }
                    writer.write(item);
                    pageBytes += size;
                }
                billed += pageBytes;
                progress.written(page.items().size());
                if (page.last()) {
                    break;
                }
                position = page.next();
            }
            ExportDataFile file = writer.finish();
            ExportState.UnitDone done = new ExportState.UnitDone(unit.id(), file, billed, dead.count() - deadBefore);
            state.ifPresent(s -> s.saveDone(done));
            progress.acknowledged(unit.id(), file.itemCount(), billed);
            progress.unitDone(unit.id());
            return Optional.of(done);
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "the export was interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CutoverException ce) {
                throw ce;
            }
            throw new CutoverException(ErrorCode.INTERNAL, "unexpected failure: " + e.getCause(), e.getCause());
        }
    }
}
