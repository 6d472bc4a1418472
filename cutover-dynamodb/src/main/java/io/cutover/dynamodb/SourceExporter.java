package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportManifest;
import io.cutover.dynamodb.export.ExportPlan;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.dynamodb.export.ExportSource;
import io.cutover.dynamodb.export.ExportState;
import io.cutover.dynamodb.export.ExportStore;
import io.cutover.dynamodb.export.SnapshotExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover export} from any source ({@link ExportSource}: a DynamoDB table, a SQL table through its mapping, a
 * MongoDB collection through its document mapping): the source's units written as the files ExportTableToPointInTime
 * writes ({@code AWSDynamoDB/EXPORT-ID/} with {@code data/*.json.gz} or {@code *.ion.gz}, manifest-files.json,
 * manifest-summary.json), one data file per unit, so that {@code copy --from-export}, DynamoDB's ImportTable or any
 * reader of DynamoDB exports loads it later. The manifests are written last: an export that stopped has none and is
 * never taken for complete.
 *
 * <p>With a state directory the export is resumable per unit (docs/decisions/0190): the split and the EXPORT-ID are
 * kept from the first run, a unit whose file the store acknowledged is recorded and never read again, and a unit that
 * was cut short is written again from its start. Without one, every run is a new export.
 *
 * <p>{@link #run} blocks; {@link #requestStop} may be called from another thread.
 */
public final class SourceExporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceExporter.class);

    /**
     * Where and how to write, validated once (every problem together, each naming its flag). Immutable.
     *
     * @param units    units (data files) to split the source into; empty: --parallelism
     * @param stateDir where the split and the finished units are kept; empty: not resumable (dead letters refused)
     */
    public record Settings(ExportLocation location, DynamoDbEndpoint s3, ExportFormat format, Optional<Integer> units, int parallelism,
                           double maxReadRate, Optional<Path> stateDir, boolean restart) {
        public Settings {
            List<String> problems = new ArrayList<>();
            units.ifPresent(s -> {
                if (s < 1 || s > 100_000) {
                    problems.add("--segments must be between 1 and 100000, was " + s);
                }
            });
            if (parallelism < 1 || parallelism > 1024) {
                problems.add("--parallelism must be between 1 and 1024, was " + parallelism);
            }
            if (maxReadRate < 0) {
                problems.add("--max-read-rate must be 0 (no limit) or more items/s, was " + maxReadRate);
            }
            if (!problems.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
            }
        }
    }

    private final Settings settings;
    private final CopyProgress progress;
    private final ExportStore store;
    private volatile boolean stop;

    public SourceExporter(Settings settings, CopyProgress progress) {
        this.settings = settings;
        this.progress = progress;
        this.store = ExportStores.open(settings.location(), settings.s3());
    }

    /** Writes {@code source} as an export (or the rest of it, resuming); closes nothing of the source. */
    public ExportResult run(ExportSource source) {
        if (settings.stateDir().isEmpty()) {
            return run(source, Optional.empty(), null);
        }
        try (StateDirectory dir = StateDirectory.open(settings.stateDir().get())) {
            if (settings.restart()) {
                dir.clear();
            }
            ExportState state = new ExportState(dir.root());
            Optional<ExportResult> finished = state.completed();
            if (finished.isPresent()) {
                if (state.header().map(h -> sameExport(h, source)).orElse(false)) {
                    LOG.info("the export in {} is complete: nothing to write (pass --restart for a new one)", dir.root());
                    return finished.get();
                }
                state.retire(); // a finished export of something else: its state goes, its dead letters are kept
            }
            try (FileDeadLetterSink dead = new FileDeadLetterSink(state.deadLetters())) {
                return run(source, Optional.of(state), dead);
            }
        }
    }

    private ExportResult run(ExportSource source, Optional<ExportState> state, FileDeadLetterSink dead) {
        long started = System.nanoTime();
        source.check();
        ExportState.Header header = header(source, state);
        String folder = "AWSDynamoDB/" + header.exportId() + "/";
        closeQuietly(folder + "_started");
        Map<String, UnitDeadLetters> sinks = new ConcurrentHashMap<>();
        List<SnapshotUnit> units = source.units(header.split(), id -> sinks.computeIfAbsent(id, u -> new UnitDeadLetters(dead)));
        long alreadyWritten = state.map(s -> units.stream().mapToLong(u -> s.done(u.id()).map(d -> d.file().itemCount()).orElse(0L)).sum())
                .orElse(0L);
        progress.tableStarted(source.name(), settings.location().text(), source.estimatedItems(), alreadyWritten);
        SnapshotExporter exporter = new SnapshotExporter(store, settings.format(), settings.parallelism(),
                new Throttle(settings.maxReadRate()), progress, () -> stop, state,
                id -> sinks.computeIfAbsent(id, u -> new UnitDeadLetters(dead)));
        SnapshotExporter.Outcome outcome = exporter.write(folder, units);
        long items = outcome.done().stream().mapToLong(d -> d.file().itemCount()).sum();
        long billed = outcome.done().stream().mapToLong(ExportState.UnitDone::billedBytes).sum();
        long deadLettered = outcome.done().stream().mapToLong(ExportState.UnitDone::deadLettered).sum();
        long resumed = outcome.resumed().stream().mapToLong(d -> d.file().itemCount()).sum();
        double seconds = (System.nanoTime() - started) / 1e9;
        String arn = source.tableArn().map(t -> t + "/export/" + header.exportId()).orElse(null);
        String deadFile = dead != null && (deadLettered > 0 || dead.count() > 0) ? dead.file().toString() : null;
        String location = store.describe(folder.substring(0, folder.length() - 1));
        double rate = (items - resumed) / Math.max(seconds, 1e-9);
        if (stop || !outcome.complete()) {
            return new ExportResult("stopped", source.name(), location, arn, header.startTime(), settings.format().name(), outcome.done().size(),
                    items, billed, seconds, rate, deadLettered, resumed, deadFile);
        }
        // exportTime is the first run's start: every item is at least that new (docs/decisions/0150-export-files.md).
        ExportManifest.Summary summary = new ExportManifest.Summary("2020-06-30", arn, header.startTime(), Instant.now().toString(),
                source.tableArn().orElse(null), source.tableId().orElse(null), header.startTime(), settings.location().bucket().orElse(null),
                settings.location().isS3() ? settings.location().prefix() : null, null, null, folder + ExportManifest.FILES,
                billed, items, settings.format().name(), "FULL_EXPORT");
        new ExportManifest(folder, summary, outcome.files()).write(store);
        ExportResult result = new ExportResult("completed", source.name(), location, arn, header.startTime(), settings.format().name(),
                outcome.done().size(), items, billed, seconds, rate, deadLettered, resumed, deadFile);
        state.ifPresent(s -> s.saveCompleted(result));
        LOG.info("exported {} items of {} to {} in {} s ({} dead-lettered)", items, source.name(), location, String.format("%.1f", seconds),
                deadLettered);
        return result;
    }

    private boolean sameExport(ExportState.Header h, ExportSource source) {
        return h.source().equals(source.name()) && h.location().equals(settings.location().text()) && h.format().equals(settings.format().name());
    }

    /** Checks and splits the source (or reads the split of the export the state directory holds); writes nothing. */
    public ExportPlan plan(ExportSource source) {
        source.check();
        Optional<ExportState> state = settings.stateDir().filter(d -> !settings.restart()).map(ExportState::new);
        Optional<ExportState.Header> earlier = state.flatMap(ExportState::header).filter(h -> sameExport(h, source));
        List<String> split = earlier.map(ExportState.Header::split).orElseGet(() -> source.split(settings.units().orElse(settings.parallelism())));
        List<SnapshotUnit> units = source.units(split, id -> new UnitDeadLetters(null));
        int done = (int) units.stream().filter(u -> state.flatMap(s -> s.done(u.id())).isPresent()).count();
        return new ExportPlan(source.name(), settings.location().text(), settings.format().name(), units.size(),
                source.estimatedItems(), earlier.map(ExportState.Header::exportId).orElse(null), earlier.isPresent() ? done : 0);
    }

    /** The export's identity: the one in the state directory (refused when it is another export's), else a new one, saved. */
    private ExportState.Header header(ExportSource source, Optional<ExportState> state) {
        Optional<ExportState.Header> earlier = state.flatMap(ExportState::header);
        if (earlier.isPresent()) {
            ExportState.Header h = earlier.get();
            if (!sameExport(h, source)) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + state.get().root() + " holds the export of " + h.source()
                        + " to " + h.location() + " (" + h.format() + "): pass --restart to discard it, or use another --state-dir");
            }
            if (settings.units().isPresent() && settings.units().get() != h.split().size() && !isCount(h.split(), settings.units().get())) {
                LOG.info("--segments {} is ignored: the export resumes with the split of its first run", settings.units().get());
            }
            LOG.info("resuming export {} of {} (started {})", h.exportId(), h.source(), h.startTime());
            return h;
        }
        Instant startTime = Instant.now();
        String exportId = String.format("%014d-%08x", startTime.toEpochMilli(), ThreadLocalRandom.current().nextInt());
        List<String> split = source.split(settings.units().orElse(settings.parallelism()));
        ExportState.Header h = new ExportState.Header(source.name(), settings.location().text(), settings.format().name(), exportId,
                startTime.toString(), split);
        state.ifPresent(s -> s.saveHeader(h));
        return h;
    }

    private static boolean isCount(List<String> split, int units) {
        return split.size() == 1 && split.get(0).equals(String.valueOf(units));
    }

    private void closeQuietly(String key) {
        try {
            store.create(key).close();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write the export's _started file at " + store.describe(key) + ": "
                    + e.getMessage(), e);
        }
    }

    /** Stops after the pages in flight; the export is then incomplete (no manifests) and the same command resumes it. */
    public void requestStop() {
        stop = true;
    }

    @Override
    public void close() {
        store.close();
    }

    /** One unit's dead letters: written to the export's file, counted for the unit. */
    private static final class UnitDeadLetters implements DeadLetterSink {
        private final FileDeadLetterSink file;
        private final AtomicLong count = new AtomicLong();

        UnitDeadLetters(FileDeadLetterSink file) {
            this.file = file;
        }

        @Override
        public void accept(String table, Map<String, AttributeValue> item, String reason) {
            if (file == null) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "an item of " + table + " cannot be exported (" + reason
                        + ") and this export has no state directory for dead letters");
            }
            file.accept(table, item, reason);
            count.incrementAndGet();
        }

        @Override
        public long count() {
            return count.get();
        }

        @Override
        public void close() {
            // the export's file is closed by the export
        }
    }
}
