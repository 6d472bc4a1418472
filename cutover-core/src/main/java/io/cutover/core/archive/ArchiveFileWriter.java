package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.item.DynamoDbJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes one archive file ({@link ArchiveFormat}) under a temporary name, hashing the bytes as they go; {@link #finish}
 * syncs it, moves it into place and returns its manifest entry. Until then the manifest does not name it.
 *
 * <p>Threading: {@link #item} may be called from several scan threads at once (it is synchronized); the rest
 * from the thread that created it.
 */
public final class ArchiveFileWriter implements AutoCloseable {
    private final ArchiveStore store;
    private final String name;
    private final Path temp;
    private final ArchiveEntry.Kind kind;
    private final MessageDigest sha;
    private final OutputStream raw;
    private final BufferedWriter out;
    private long count;
    private long firstSeq = Long.MAX_VALUE;
    private long lastSeq;
    private long firstTime = Long.MAX_VALUE;
    private long lastTime;
    private boolean finished;

    public ArchiveFileWriter(Path file, ArchiveEntry.Kind kind) {
        this(new FolderArchiveStore(file.getParent()), file.getFileName().toString(), kind);
    }

    /** Writes {@code name} of {@code store}: staged locally, published by {@link #finish}. */
    public ArchiveFileWriter(ArchiveStore store, String name, ArchiveEntry.Kind kind) {
        this.store = store;
        this.name = name;
        this.temp = store.stage(name);
        this.kind = kind;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
            this.raw = Files.newOutputStream(temp);
            this.out = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(new DigestOutputStream(raw, sha), 1 << 16),
                    StandardCharsets.UTF_8), 1 << 16);
            out.write("{\"format\":\"" + ArchiveFormat.NAME + "\",\"version\":" + ArchiveFormat.VERSION + ",\"kind\":\"" + kind + "\"}\n");
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot write archive file " + store.describe(name) + ": " + e.getMessage()
                    + " (is --archive writable?)", e);
        }
    }

    /** Adds one item of a snapshot. */
    public synchronized void item(Map<String, AttributeValue> item) {
        line("{\"item\":" + DynamoDbJson.write(item) + "}");
    }

    /** Adds one change of a change segment, in log order. */
    public void change(ChangeRecord c) {
        firstSeq = Math.min(firstSeq, c.logSequence());
        lastSeq = Math.max(lastSeq, c.logSequence());
        // Timed by Cutover's capture clock (milliseconds): DynamoDB Streams round the source's own time (to the second on
        // the service, to the minute on DynamoDB Local), too coarse to place a change between two writes a second apart.
        firstTime = Math.min(firstTime, c.capturedAtMillis());
        lastTime = Math.max(lastTime, c.capturedAtMillis());
        line("{\"seq\":" + c.logSequence() + ",\"op\":\"" + c.operation() + "\",\"time\":" + c.capturedAtMillis()
                + ",\"sourceTime\":" + c.sourceTimeMillis() + ",\"key\":"
                + DynamoDbJson.write(c.key()) + (c.image() == null ? "" : ",\"image\":" + DynamoDbJson.write(c.image())) + "}");
    }

    private void line(String json) {
        try {
            out.write(json);
            out.write('\n');
            count++;
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot write archive file " + store.describe(name) + ": " + e.getMessage(), e);
        }
    }

    public synchronized long count() {
        return count;
    }

    /**
     * Closes and moves the file into place. For a snapshot, {@code sequence} is the log position recorded before the
     * scan and {@code startMillis}/{@code readAtMillis} the scan's start and end; for changes, {@code readAtMillis}
     * is when the log was read (the other two are ignored).
     */
    public synchronized ArchiveEntry finish(long sequence, long startMillis, long readAtMillis) {
        long bytes;
        try {
            out.close();
            finished = true;
            bytes = Files.size(temp);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot finish archive file " + store.describe(name) + ": " + e.getMessage(), e);
        }
        // in place (a folder: fsynced and renamed; S3: uploaded) before any manifest can name it
        store.publish(name, temp);
        String hex = HexFormat.of().formatHex(sha.digest());
        return kind == ArchiveEntry.Kind.SNAPSHOT
                ? new ArchiveEntry(name, kind, sequence, sequence, startMillis, readAtMillis, readAtMillis, count, bytes, hex)
                : new ArchiveEntry(name, kind, firstSeq, lastSeq, firstTime, lastTime, readAtMillis, count, bytes, hex);
    }

    @Override
    public synchronized void close() {
        if (!finished) {
            try {
                out.close();
            } catch (IOException e) {
                // The partial file is dropped below (or overwritten by the next run); nothing names it.
            }
            store.discard(temp);
        }
    }
}
