package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveFileWriter;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.copy.Page;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Takes a base snapshot of a DynamoDB table into an archive: records the change log's last sequence, then scans the
 * table (parallel segments, consistent reads) into one snapshot file. Every change up to the recorded sequence
 * happened before the scan began, so the items are at least that new; changes during the scan are in the log after
 * it, and replaying them (idempotent, full images) brings every key to any time after the scan ended.
 */
public final class DynamoDbArchiveSnapshot {
    private final DynamoDbEndpoint endpoint;
    private final String table;
    private final Path logFile;
    private final Path archive;
    private final int segments;
    private final LongSupplier clock;
    private final RetryPolicy retry = RetryPolicy.defaults();

    /** @param logFile the migration's change log (its state directory's changes.db) */
    public DynamoDbArchiveSnapshot(DynamoDbEndpoint endpoint, String table, Path logFile, Path archive, int segments, LongSupplier clock) {
        if (segments < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segments must be at least 1, was " + segments);
        }
        this.endpoint = endpoint;
        this.table = table;
        this.logFile = logFile;
        this.archive = archive;
        this.segments = segments;
        this.clock = clock;
    }

    public ArchiveEntry run() {
        long sequence;
        try (SqliteChangeLog log = SqliteChangeLog.openForReading(logFile)) {
            sequence = log.lastSequence();
        }
        try (DynamoDbClient client = DynamoDbClients.create(endpoint, segments * 2)) {
            TableDescription d = new DynamoDbTableDefinitions(client, endpoint, retry).read(table).description();
            ArchiveManifest manifest = ArchiveManifest.load(archive).orElse(ArchiveManifest.empty(table, keySchema(d)));
            if (!manifest.sourceTable().equals(table)) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--archive " + archive + " holds table " + manifest.sourceTable()
                        + ", not " + table + ": use another folder for each table");
            }
            Files.createDirectories(archive);
            long start = clock.getAsLong();
            String name = String.format("snapshot-%020d-%d.jsonl.gz", sequence, start);
            try (ArchiveFileWriter w = new ArchiveFileWriter(archive.resolve(name), ArchiveEntry.Kind.SNAPSHOT)) {
                scan(client, w);
                ArchiveEntry entry = w.finish(sequence, start, clock.getAsLong());
                manifest.with(entry).save(archive);
                return entry;
            }
        } catch (java.io.IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot create --archive " + archive + ": " + e.getMessage(), e);
        }
    }

    private void scan(DynamoDbClient client, ArchiveFileWriter w) {
        ExecutorService pool = Executors.newFixedThreadPool(segments);
        try {
            List<Future<?>> running = new ArrayList<>();
            DynamoDbErrorClassifier classifier = new DynamoDbErrorClassifier(endpoint);
            for (int s = 0; s < segments; s++) {
                DynamoDbScanSegment unit = new DynamoDbScanSegment(client, table, s, segments, 1000, true, retry, classifier, RetryListener.NONE);
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
                    : new CutoverException(ErrorCode.INTERNAL, "snapshot scan of " + table + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "snapshot of " + table + " interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    static List<ArchiveManifest.KeyAttribute> keySchema(TableDescription d) {
        return d.keySchema().stream().sorted((a, b) -> a.keyTypeAsString().compareTo(b.keyTypeAsString()))
                .map(k -> new ArchiveManifest.KeyAttribute(k.attributeName(), k.keyTypeAsString(), d.attributeDefinitions().stream()
                        .filter(a -> a.attributeName().equals(k.attributeName())).map(AttributeDefinition::attributeTypeAsString)
                        .findFirst().orElseThrow()))
                .toList();
    }
}
