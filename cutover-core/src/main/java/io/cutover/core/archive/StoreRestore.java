package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.RestoreResult;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.core.verify.ItemHasher;
import io.cutover.core.verify.LiveItemsOnly;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.core.verify.VerifySide;
import io.cutover.core.version.VersionAttribute;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code restore --into-source}: the archive's state at a point written back into a store of a source's kind (a SQL
 * table, a MongoDB collection) through the migration's mapping read backwards (docs/decisions/0180-restore-into-source.md).
 * The same plan and the same worked-out {@link RestoreState} as a restore into DynamoDB; then
 *
 * <ol>
 *   <li>the target must be empty or absent, unless this state directory was already writing it (a resumed run) or
 *       {@code --replace} is given;</li>
 *   <li>with {@code --replace}, every key the store holds that the point does not hold live is deleted (read back
 *       through the forward mapping, range by range in parallel; idempotent, so a resumed run does it again);</li>
 *   <li>the state's items are bulk-written by the {@link BulkCopier} through a {@link RestoreTargetWriter}, with a
 *       checkpoint per row range, each item over whatever the store holds for its key, so a run killed at any moment
 *       resumes where it stopped and ends with the store equal to the point.</li>
 * </ol>
 *
 * Rows keep the attributes the archive holds, version attributes included: nothing is re-stamped (0180).
 */
public final class StoreRestore implements Restore {
    /** What the restore is asked to do; validated once. */
    public record Settings(ArchiveStore archive, RestorePoint point, String targetTable, Path stateDir, int parallelism,
                           int writeConcurrency, boolean replace) {
        public Settings {
            Objects.requireNonNull(archive, "--archive");
            Objects.requireNonNull(point, "restore point");
            Objects.requireNonNull(stateDir, "--state-dir");
            Objects.requireNonNull(targetTable, "--target-table");
            if (parallelism < 1 || writeConcurrency < 1) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--parallelism and --write-concurrency must be at least 1");
            }
        }
    }

    private final Settings settings;
    private final RestoreTarget target;
    private final ArchiveManifest manifest;
    private final RestorePlan plan;
    private final RestoreState state;
    private final ItemHasher keys;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile BulkCopier copier;

    /** Takes {@code target} over: it is closed with the restore, or at once when the restore cannot start. */
    public StoreRestore(Settings settings, RestoreTarget target) {
        this.settings = settings;
        this.target = target;
        try {
            this.manifest = ArchiveManifest.require(settings.archive());
            if (!new HashSet<>(target.keyNames()).equals(new HashSet<>(manifest.keyNames()))) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "the archive's items are keyed by " + manifest.keyNames() + " but the"
                        + " mapping of " + target.describe() + " makes the key " + target.keyNames() + ": give the mapping the migration of "
                        + manifest.sourceTable() + " used (--mapping FILE for SQL, --key-attribute for MongoDB)");
            }
            this.plan = RestorePlan.of(manifest, settings.point());
            this.state = RestoreState.open(settings.stateDir().resolve("restore-state.db"), manifest.keyNames());
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
        this.keys = new ItemHasher(manifest.keyNames(), 1);
    }

    private String planId() {
        ArchiveStore a = settings.archive();
        String where = a instanceof FolderArchiveStore f ? f.dir().toAbsolutePath().normalize().toString() : a.location();
        return where + " " + settings.point() + " -> " + marker();
    }

    /** What the state directory records as the target it writes: a rerun may then find it non-empty. */
    private String marker() {
        return "into " + target.describe();
    }

    private RestoreState.Summary summary() {
        return state.built(planId()).orElseGet(() -> state.build(planId(), plan, new ArchiveFileReader(settings.archive())));
    }

    /** The plan, without writing: the base, changes to replay, expected items and bytes, and what --replace would delete. */
    @Override
    public RestoreResult dryRun() {
        RestoreState.Summary s = summary();
        long deletes = settings.replace() ? replace(false) : 0;
        if (!settings.replace()) {
            requireEmpty();
        }
        return result("planned", s, 0, deletes, 0);
    }

    @Override
    public RestoreResult run(CopyProgress progress) {
        long started = System.nanoTime();
        RestoreState.Summary s = summary();
        if (!state.creates(marker())) {
            if (!settings.replace()) {
                requireEmpty();
            }
            state.markCreating(marker());
        }
        target.prepare();
        long deleted = settings.replace() ? replace(true) : 0;
        if (stop.get()) {
            return result("stopped", s, 0, deleted, (System.nanoTime() - started) / 1e9);
        }
        progress.tableStarted(manifest.sourceTable(), settings.targetTable(), s.items(), 0);
        try (FileDeadLetterSink dead = new FileDeadLetterSink(settings.stateDir().resolve("dead-letters.jsonl"));
             RestoreTargetWriter writer = new RestoreTargetWriter(target, settings.writeConcurrency(), dead, progress::written)) {
            copier = new BulkCopier(new FileCheckpointStore(settings.stateDir().resolve("checkpoints")), "restore", writer,
                    settings.parallelism(), new Throttle(0), progress);
            if (stop.get()) {
                copier.requestStop();
            }
            BulkCopyStats stats = copier.run(state.units(Math.max(1, settings.parallelism() * 4)));
            String status = stats.stopped() ? "stopped" : stats.deadLettered() > 0 ? "completed with dead letters" : "completed";
            return result(status, s, stats.items() + stats.resumedItems(), deleted, (System.nanoTime() - started) / 1e9);
        }
    }

    private void requireEmpty() {
        long held = target.count();
        if (held > 0) {
            throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, target.describe() + " already holds " + held + (held == 1 ? " row or document"
                    : " rows or documents") + ": restoring into it would mix its state with the archive's. Add --replace to make it"
                    + " equal to the archive at " + settings.point() + " (what the point does not hold is deleted, the rest overwritten),"
                    + " or pick another --target-table");
        }
    }

    /**
     * Deletes (or, for a dry run, counts) every key the store holds that the point does not: a live item where the point
     * holds none, or a tombstone row where the point holds nothing at all. Ranges of the store in parallel.
     */
    private long replace(boolean delete) {
        Optional<VersionAttribute> v = target.versions();
        List<? extends SnapshotUnit> units = target.side().units(Math.max(1, settings.parallelism() * 2));
        AtomicLong found = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(units.size(), settings.parallelism()));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (SnapshotUnit unit : units) {
                running.add(pool.submit(() -> {
                    Position after = null;
                    do {
                        Page page = unit.readPage(after);
                        for (Map<String, AttributeValue> held : page.items()) {
                            Map<String, AttributeValue> key = keys.key(held);
                            if (stale(held, state.lookup(key), v)) {
                                found.incrementAndGet();
                                if (delete) {
                                    retry.execute("delete from " + target.describe(), a -> {
                                        target.delete(key);
                                        return null;
                                    }, e -> new CutoverException(ErrorCode.INTERNAL, e.toString(), e), RetryListener.NONE);
                                }
                            }
                        }
                        after = page.next();
                    } while (after != null && !stop.get());
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.INTERNAL, "--replace: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "--replace was interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        return found.get();
    }

    /** Whether what the store holds for a key must go: the point holds nothing live there (or nothing at all, for a tombstone). */
    static boolean stale(Map<String, AttributeValue> held, Map<String, AttributeValue> expected, Optional<VersionAttribute> v) {
        boolean heldLive = v.map(x -> !x.isTombstone(held)).orElse(true);
        boolean expectedLive = expected != null && v.map(x -> !x.isTombstone(expected)).orElse(true);
        return heldLive ? !expectedLive : expected == null;
    }

    /**
     * Compares the store, read back through the forward mapping, with the archive's state at the point, by the same
     * bucketed digests as verify; with version columns, tombstones compare as absent on both sides (a SQL table keeps a
     * tombstone only where a row can hold it: 0130).
     */
    @Override
    public VerifyResult verify(CopyProgress progress) {
        summary();
        VerifySide expected = state;
        VerifySide actual = target.side();
        if (target.versions().isPresent()) {
            expected = new LiveItemsOnly(expected, target.versions().get());
            actual = new LiveItemsOnly(actual, target.versions().get());
        }
        return new Verifier(expected, actual, manifest.keyNames(), VerifyOptions.defaults(), progress).run().result();
    }

    @Override
    public void requestStop() {
        stop.set(true);
        BulkCopier c = copier;
        if (c != null) {
            c.requestStop();
        }
    }

    private RestoreResult result(String status, RestoreState.Summary s, long written, long deleted, double seconds) {
        return new RestoreResult(status, settings.point().toString(), settings.targetTable(), s.base(), s.baseItems(), s.changesReplayed(),
                s.items(), s.bytes(), written, deleted, seconds);
    }

    @Override
    public void close() {
        state.close();
        target.close();
    }
}
