package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.engine.Backfill;
import io.cutover.core.engine.Capture;
import io.cutover.core.engine.SourceConnector;
import io.cutover.core.engine.UnitBackfill;
import io.cutover.core.throttle.Throttle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A MongoDB collection as the side a live migration reads (docs/decisions/0240-one-engine.md): its change stream fills
 * the change log, and its {@code _id} ranges (split points fixed in the state file, so a resumed backfill has the same
 * ranges) are the backfill.
 *
 * @param checkpoints where the ranges' checkpoints are ({@code <state-dir>/backfill})
 * @param splitPoints the ranges' split points, encoded ({@link IdPosition#encodeValue})
 * @param cut         only documents matching this filter, or null
 * @param readConcern the backfill's: majority under a change stream, which reports majority-committed changes only (the
 *                    same committed view); the default in mirror mode, which reads its own just-acknowledged writes back
 */
record MongoSourceConnector(MongoCollectionSource source, String targetTable, Path checkpoints, List<String> splitPoints, String cut,
                            int pageSize, int parallelism, com.mongodb.ReadConcern readConcern) implements SourceConnector {
    private static final Logger LOG = LoggerFactory.getLogger(MongoSourceConnector.class);

    @Override
    public void prepare() {
        // a change stream needs nothing on the server: its position is taken when capture opens, before the backfill
    }

    @Override
    public Capture openCapture(ChangeLog log, DeadLetterSink deadLetters) {
        MongoChangeStreamCapture capture = new MongoChangeStreamCapture(source, log, deadLetters, targetTable);
        return new Capture() {
            @Override
            public void start(boolean beforeBackfill) {
                // the stream's position is durable in the log when open returns, so before any document is read
                capture.open();
                capture.start();
            }

            @Override
            public CutoverException failure() {
                return capture.failure();
            }

            /** A poll of the change stream that began after now must come back empty. */
            @Override
            public boolean awaitCaughtUp(BooleanSupplier stopRequested) {
                long now = System.nanoTime();
                while (!capture.awaitCaughtUp(now, 5_000)) {
                    CutoverException failure = capture.failure();
                    if (failure != null) {
                        throw failure;
                    }
                    if (stopRequested.getAsBoolean()) {
                        return false;
                    }
                    LOG.info("waiting for the change stream to answer (a slow or half-open connection ends at the driver's read timeout)");
                }
                return true;
            }

            @Override
            public void close() {
                capture.close();
            }
        };
    }

    @Override
    public Backfill backfill(DeadLetterSink deadLetters) {
        AtomicLong unmapped = new AtomicLong();
        return new UnitBackfill(new FileCheckpointStore(checkpoints), parallelism, new Throttle(0), new UnitBackfill.Units() {
            @Override
            public List<? extends ItemUnit<Map<String, AttributeValue>>> open(CopyProgress progress) {
                List<BsonValue> points = new ArrayList<>();
                for (String p : splitPoints) {
                    points.add(IdPosition.decodeValue(p));
                }
                List<IdRangeUnit> units = source.units(points, cut == null ? null : CutFilter.parse(cut), pageSize, u -> {
                    IdRangeUnit.deadLetterTo(deadLetters, targetTable, source.mapper()).accept(u);
                    unmapped.incrementAndGet();
                }, readConcern);
                progress.tableStarted(source.describe(), targetTable, source.estimatedDocuments(), 0);
                return units;
            }

            @Override
            public long deadLettered() {
                return unmapped.get();
            }
        });
    }
}
