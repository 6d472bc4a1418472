package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.SnapshotUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Takes a base snapshot of any source into an archive: records the change log's last sequence, then reads the source's
 * {@link SnapshotUnit}s (a DynamoDB scan segment, a MongoDB {@code _id} range, a SQL key range: the same units, and so
 * the same mapping to items, as the migration's backfill) into one snapshot file. Every change up to the recorded
 * sequence happened before the read began, so the items are at least that new; changes during the read are in the log
 * after it, and replaying them (idempotent, full images) brings every key to any time after the read ended (0090).
 *
 * <p>Threading: {@link #run} blocks; it reads up to {@code parallelism} units at once on its own pool.
 */
public final class ArchiveSnapshot {
    /** What the snapshot is of: the source's name (the manifest's {@code sourceTable}) and the items' key schema. */
    public interface Source {
        /** The name the manifest records; an archive holds one source. */
        String name();

        /** The key attributes of the items, partition key first. Called after the log position is recorded. */
        List<ArchiveManifest.KeyAttribute> keySchema();

        /** The units to read, together covering the source once. Called after the log position is recorded. */
        List<? extends SnapshotUnit> units();
    }

    private final Path logFile;
    private final ArchiveStore archive;
    private final int parallelism;
    private final LongSupplier clock;

    /** @param logFile the migration's change log (its state directory's changes.db) */
    public ArchiveSnapshot(Path logFile, Path archive, int parallelism, LongSupplier clock) {
        this(logFile, new FolderArchiveStore(archive), parallelism, clock);
    }

    /** The same, for an archive in any {@link ArchiveStore} (a folder or an S3 prefix). */
    public ArchiveSnapshot(Path logFile, ArchiveStore archive, int parallelism, LongSupplier clock) {
        if (parallelism < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segments must be at least 1, was " + parallelism);
        }
        this.logFile = logFile;
        this.archive = archive;
        this.parallelism = parallelism;
        this.clock = clock;
    }

    /** The sequence is recorded first; only then does {@code source} name its key schema and units and are they read. */
    public ArchiveEntry run(Source source) {
        if (!Files.exists(logFile)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "no change log at " + logFile + ": pass the --state-dir of a running"
                    + " cutover migrate (change capture; a MongoDB --mode mirror migration keeps no change log, so it cannot be archived)");
        }
        long sequence;
        java.util.Set<String> loggedKey;
        try (SqliteChangeLog log = SqliteChangeLog.openForReading(logFile)) {
            sequence = log.lastSequence();
            loggedKey = log.read(0, 1).stream().findFirst().map(c -> c.key().keySet()).orElse(null);
        }
        ArchiveManifest existing = ArchiveManifest.load(archive).orElse(null);
        if (existing != null && !existing.sourceTable().equals(source.name())) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive " + archive.location() + " holds " + existing.sourceTable()
                    + ", not " + source.name() + ": use another folder for each table");
        }
        List<ArchiveManifest.KeyAttribute> keys = source.keySchema();
        List<String> keyNames = keys.stream().map(ArchiveManifest.KeyAttribute::name).toList();
        if (loggedKey != null && !loggedKey.equals(java.util.Set.copyOf(keyNames))) {
            // the base and the changes would be keyed differently, and a restore would keep both versions of every key
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the change log at " + logFile + " keys its changes by "
                    + new java.util.TreeSet<>(loggedKey) + ", but this snapshot's mapping gives " + keyNames
                    + ": pass the mapping flags the migration was given (--key-attribute, --sort-key-field, --mapping)");
        }
        if (existing != null && !existing.keyNames().equals(keyNames)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive " + archive.location() + " holds items keyed by " + existing.keyNames()
                    + ", but this snapshot's mapping gives " + keyNames
                    + ": pass the mapping flags the migration uses, or use another folder");
        }
        ArchiveManifest manifest = existing != null ? existing : ArchiveManifest.empty(source.name(), keys);
        archive.create();
        long start = clock.getAsLong();
        String name = String.format("snapshot-%020d-%d.jsonl.gz", sequence, start);
        try (ArchiveFileWriter w = new ArchiveFileWriter(archive, name, ArchiveEntry.Kind.SNAPSHOT)) {
            read(source, w);
            ArchiveEntry entry = w.finish(sequence, start, clock.getAsLong());
            try (ArchiveStore.Lock lock = archive.lock()) {
                // read again under the lock: a sync may have added segments (or pruned) while this snapshot was read
                ArchiveManifest current = ArchiveManifest.load(archive).orElse(manifest);
                if (!current.sourceTable().equals(source.name()) || !current.keyNames().equals(keyNames)) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive " + archive.location() + " was started for " + current.sourceTable()
                            + " keyed by " + current.keyNames() + " while this snapshot was read: use another folder");
                }
                current.with(entry).save(archive);
            }
            return entry;
        }
    }

    private void read(Source source, ArchiveFileWriter w) {
        List<? extends SnapshotUnit> units = source.units();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, units.size())));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (SnapshotUnit unit : units) {
                running.add(pool.submit(() -> {
                    Page page = unit.readPage(null);
                    page.items().forEach(w::item);
                    while (!page.last()) {
                        page = unit.readPage(page.next());
                        page.items().forEach(w::item);
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CutoverException c ? c
                    : new CutoverException(ErrorCode.INTERNAL, "snapshot of " + source.name() + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "snapshot of " + source.name() + " interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
