package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.DynamoDbJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes one export data file as DynamoDB does: gzip, one item a line, in DynamoDB JSON
 * (<code>{"Item":{...}}</code>) or Ion text (<code>$ion_1_0 {Item:{...}}</code>); {@link #finish} returns its
 * manifest entry with the MD5 of the compressed bytes. Not thread-safe: one writer per file.
 */
public final class ExportFileWriter implements AutoCloseable {
    private final String key;
    private final String where;
    private final ExportFormat format;
    private final DigestOutputStream digest;
    private final BufferedWriter out;
    private long items;
    private boolean finished;

    public ExportFileWriter(ExportStore store, String key, ExportFormat format) {
        this.key = key;
        this.where = store.describe(key);
        this.format = format;
        try {
            this.digest = new DigestOutputStream(store.create(key), MessageDigest.getInstance("MD5"));
            this.out = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(digest, 1 << 16), StandardCharsets.UTF_8), 1 << 16);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write " + where + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void write(Map<String, AttributeValue> item) {
        try {
            if (format == ExportFormat.ION) {
                out.write(IonItems.line(item));
            } else {
                out.write("{\"Item\":");
                out.write(DynamoDbJson.write(item));
                out.write('}');
            }
            out.write('\n');
            items++;
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.TRANSIENT, "cannot write " + where + ": " + e.getMessage(), e);
        }
    }

    public long items() {
        return items;
    }

    /** Closes the file and returns its manifest entry. */
    public ExportDataFile finish() {
        try {
            finished = true;
            out.close();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.TRANSIENT, "cannot finish " + where + ": " + e.getMessage(), e);
        }
        byte[] md5 = digest.getMessageDigest().digest();
        return new ExportDataFile(items, Base64.getEncoder().encodeToString(md5), HexFormat.of().formatHex(md5), key);
    }

    @Override
    public void close() {
        if (!finished) {
            try {
                out.close();
            } catch (IOException e) {
                // An abandoned file: it is not in any manifest.
            }
        }
    }
}
