package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One export data file as a unit of bulk work, with its own checkpoint (the count of acknowledged items):
 * what the single-process copy runs several of at once, and what a Spark task would be handed. A gzip
 * file cannot be entered in the middle, so a resumed unit reads its file from the start and passes over
 * the items before its checkpoint without building them.
 *
 * <p>Threading: {@link #readPage} is called by one thread at a time (the {@code BulkCopier}'s unit
 * thread); it keeps the file open between pages and blocks on I/O.
 */
public final class ExportFileUnit implements SnapshotUnit {
    private final ExportStore store;
    private final ExportManifest manifest;
    private final ExportDataFile file;
    private final int index;
    private final int pageSize;
    private final RetryPolicy retry;
    private ExportFileReader reader;

    public ExportFileUnit(ExportStore store, ExportManifest manifest, int index, int pageSize) {
        this(store, manifest, index, pageSize, RetryPolicy.defaults());
    }

    public ExportFileUnit(ExportStore store, ExportManifest manifest, int index, int pageSize, RetryPolicy retry) {
        this.retry = retry;
        this.store = store;
        this.manifest = manifest;
        this.file = manifest.files().get(index);
        this.index = index;
        this.pageSize = pageSize;
    }

    /** {@code file-00007-NAME}: the manifest's order and the file's name, with anything but [A-Za-z0-9._-] replaced. */
    @Override
    public String id() {
        return String.format("file-%05d-%s", index, file.name().replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    public ExportDataFile file() {
        return file;
    }

    /**
     * Reads the next page; a transient failure (an S3 connection reset mid-file) opens the file again and passes over the
     * items before {@code after}, through the {@link RetryPolicy}. Damage in the file is not retried.
     */
    @Override
    public Page readPage(Position after) {
        long from = after == null ? 0 : ((ExportFilePosition) after).items();
        return retry.execute("read export file " + file.name(), attempt -> {
            try {
                return readPageFrom(from);
            } catch (RuntimeException e) {
                closeReader();
                throw e;
            }
        }, e -> new CutoverException(ErrorCode.INTERNAL, "unexpected failure reading " + file.name() + ": " + e, e), RetryListener.NONE);
    }

    private Page readPageFrom(long from) {
        if (reader == null || reader.itemsRead() != from) {
            closeReader();
            reader = new ExportFileReader(store, manifest.dataKey(file), file, manifest.format());
            reader.skip(from);
        }
        List<Map<String, AttributeValue>> items = new ArrayList<>(Math.min(pageSize, 1024));
        Map<String, AttributeValue> item = null;
        while (items.size() < pageSize && (item = reader.next()) != null) {
            items.add(item);
        }
        if (item == null) {
            closeReader();
            return new Page(items, null);
        }
        return new Page(items, new ExportFilePosition(reader.itemsRead()));
    }

    private void closeReader() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    @Override
    public Position decode(String encoded) {
        return ExportFilePosition.decode(encoded);
    }
}
