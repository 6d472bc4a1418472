package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.item.ItemSize;
import io.cutover.core.throttle.Throttle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes units of bulk work as export data files, one file per unit, any source's units (a DynamoDB
 * scan segment today; a MongoDB {@code _id} range or a SQL key range, whose items are already mapped,
 * would do the same). Returns the files' manifest entries in the units' order; the caller writes the
 * manifests. Not resumable: a unit's file is written from its start.
 *
 * <p>{@link #write} blocks, running up to {@code parallelism} units at once on its own threads; {@code stop}
 * is polled between pages.
 */
public final class SnapshotExporter {
    private final ExportStore store;
    private final ExportFormat format;
    private final int parallelism;
    private final Throttle readThrottle;
    private final CopyProgress progress;
    private final BooleanSupplier stop;
    private final AtomicLong billedBytes = new AtomicLong();

    public SnapshotExporter(ExportStore store, ExportFormat format, int parallelism, Throttle readThrottle, CopyProgress progress,
                            BooleanSupplier stop) {
        this.store = store;
        this.format = format;
        this.parallelism = parallelism;
        this.readThrottle = readThrottle;
        this.progress = progress;
        this.stop = stop;
    }

    /** The items' size as DynamoDB bills it, summed over everything written so far. */
    public long billedBytes() {
        return billedBytes.get();
    }

    /** Writes each unit to {@code folder + "data/" + unit id + suffix}. */
    public List<ExportDataFile> write(String folder, List<? extends SnapshotUnit> units) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(units.size(), parallelism)), r -> {
            Thread t = new Thread(r, "cutover-export");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ExportDataFile>> running = new ArrayList<>();
            for (SnapshotUnit unit : units) {
                running.add(pool.submit(() -> writeUnit(folder, unit)));
            }
            List<ExportDataFile> files = new ArrayList<>();
            for (Future<ExportDataFile> f : running) {
                files.add(await(f));
            }
            return files;
        } finally {
            pool.shutdownNow();
        }
    }

    private ExportDataFile writeUnit(String folder, SnapshotUnit unit) throws InterruptedException {
        try (ExportFileWriter writer = new ExportFileWriter(store, folder + "data/" + unit.id() + format.fileSuffix(), format)) {
            Position position = null;
            while (!stop.getAsBoolean()) {
                Page page = unit.readPage(position);
                readThrottle.acquire(Math.max(1, page.items().size()));
                for (Map<String, AttributeValue> item : page.items()) {
                    writer.write(item);
                    billedBytes.addAndGet(ItemSize.billed(item));
                }
                progress.written(page.items().size());
                if (page.last()) {
                    break;
                }
                position = page.next();
            }
            ExportDataFile file = writer.finish();
            progress.unitDone(unit.id());
            return file;
        }
    }

    private static ExportDataFile await(Future<ExportDataFile> f) {
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
