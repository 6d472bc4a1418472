package io.cutover.dynamodb.export;

import com.amazon.ion.IonReader;
import com.amazon.ion.IonType;
import com.amazon.ion.system.IonReaderBuilder;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads one export data file item by item, streaming: gzip, then DynamoDB JSON lines or Ion values. The
 * MD5 of the compressed bytes is computed on the way; at the end of the file it is checked against the
 * manifest's {@code md5Checksum} (and a single-part {@code etag}), and the item count against its
 * {@code itemCount}. Any failure (a missing or truncated file, a gzip error, a line that is not an item,
 * a mismatch) is {@link ErrorCode#EXPORT_CORRUPT} naming the file and, where there is one, the line.
 *
 * <p>Not thread-safe: one reader belongs to one unit, read by one thread at a time.
 */
public final class ExportFileReader implements AutoCloseable {
    private final String where;
    private final ExportDataFile expected;
    private final ExportFormat format;
    private final InputStream raw;
    private final DigestInputStream digest;
    private BufferedReader lines;
    private IonReader ion;
    private long items;
    private long lineNumber;
    private boolean ended;

    public ExportFileReader(ExportStore store, String key, ExportDataFile expected, ExportFormat format) {
        this.where = store.describe(key);
        this.expected = expected;
        this.format = format;
        this.raw = store.open(key);
        try {
            this.digest = new DigestInputStream(new BufferedInputStream(raw, 1 << 16), MessageDigest.getInstance("MD5"));
            PushbackInputStream peek = new PushbackInputStream(digest, 1);
            int first = peek.read();
            if (first < 0) {
                // DynamoDB writes an empty file for an empty partition.
                ended = false;
                return;
            }
            peek.unread(first);
            GZIPInputStream gz = new GZIPInputStream(peek, 1 << 16);
            if (format == ExportFormat.ION) {
                ion = IonReaderBuilder.standard().build(gz);
            } else {
                lines = new BufferedReader(new InputStreamReader(gz, StandardCharsets.UTF_8), 1 << 16);
            }
        } catch (IOException e) {
            close();
            throw corrupt("is not gzip (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            close();
            throw new IllegalStateException(e);
        }
    }

    /** Items returned so far. */
    public long itemsRead() {
        return items;
    }

    /** Passes over {@code n} items without building them (a resumed unit starting after its checkpoint). */
    public void skip(long n) {
        while (items < n) {
            if (lines != null) {
                String line = readLine();
                if (line == null) {
                    finish();
                    throw corrupt("ends after " + items + " items, before the " + n + " an earlier run checkpointed: the file changed", null);
                }
                if (!line.isBlank()) {
                    items++;
                }
            } else if (next() == null) {
                throw corrupt("ends after " + items + " items, before the " + n + " an earlier run checkpointed: the file changed", null);
            }
        }
    }

    /** The next item, or null at the end of the file, once the file was checked against the manifest. */
    public Map<String, AttributeValue> next() {
        if (ended) {
            return null;
        }
        Map<String, AttributeValue> item = lines != null ? nextJson() : ion != null ? nextIon() : null;
        if (item == null) {
            finish();
            return null;
        }
        items++;
        return item;
    }

    private String readLine() {
        try {
            String line = lines.readLine();
            if (line != null) {
                lineNumber++;
            }
            return line;
        } catch (IOException e) {
            throw readFailed(e);
        }
    }

    /**
     * A gzip error or an early end is damage in the file; any other I/O failure (a connection to S3 reset mid-file) is
     * transient: the unit reads its file again from its checkpoint.
     */
    private CutoverException readFailed(IOException e) {
        if (e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException) {
            return corrupt("is damaged after " + (lines != null ? "line " + lineNumber : "item " + items) + " (" + e.getMessage()
                    + "): a truncated or corrupt gzip file", e);
        }
        return new CutoverException(ErrorCode.TRANSIENT, "reading export file " + where + " failed after item " + items + ": " + e, e);
    }

    private Map<String, AttributeValue> nextJson() {
        String line;
        do {
            line = readLine();
            if (line == null) {
                return null;
            }
        } while (line.isBlank());
        try {
            return JsonItems.line(line);
        } catch (IOException | RuntimeException e) {
            throw corrupt("line " + lineNumber + " is not an export item: " + message(e), e);
        }
    }

    private Map<String, AttributeValue> nextIon() {
        try {
            IonType t = ion.next();
            if (t == null) {
                return null;
            }
            if (t != IonType.STRUCT || ion.isNullValue()) {
                throw new IllegalArgumentException("a top-level " + t + " where an {Item:{...}} struct belongs");
            }
            Map<String, AttributeValue> item = null;
            ion.stepIn();
            IonType f;
            while ((f = ion.next()) != null) {
                if (!"Item".equals(ion.getFieldName()) || f != IonType.STRUCT || item != null) {
                    throw new IllegalArgumentException("field '" + ion.getFieldName() + "' where only one Item struct belongs");
                }
                item = IonItems.readStruct(ion);
            }
            ion.stepOut();
            if (item == null) {
                throw new IllegalArgumentException("a struct without an Item");
            }
            return item;
        } catch (RuntimeException e) {
            if (e instanceof com.amazon.ion.IonException && e.getCause() instanceof IOException io) {
                throw readFailed(io);
            }
            throw corrupt("item " + (items + 1) + " is not an export item: " + message(e), e);
        }
    }

    private void finish() {
        ended = true;
        try {
            byte[] buf = new byte[1 << 16];
            while (digest.read(buf) >= 0) {
                // the rest of the file, for the checksum
            }
        } catch (IOException e) {
            throw readFailed(e);
        }
        byte[] md5 = digest.getMessageDigest().digest();
        if (expected.md5Checksum() != null && !expected.md5Checksum().equals(Base64.getEncoder().encodeToString(md5))) {
            throw corrupt("does not match the manifest's md5Checksum " + expected.md5Checksum() + " (its MD5 is "
                    + Base64.getEncoder().encodeToString(md5) + "): the file was changed or damaged", null);
        }
        String etag = expected.etag() == null ? null : expected.etag().replace("\"", "");
        if (etag != null && !etag.contains("-") && !etag.equalsIgnoreCase(HexFormat.of().formatHex(md5))) {
            throw corrupt("does not match the manifest's etag " + etag + ": the file was changed or damaged", null);
        }
        if (items != expected.itemCount()) {
            throw corrupt("holds " + items + " items, the manifest says " + expected.itemCount(), null);
        }
    }

    private CutoverException corrupt(String what, Throwable cause) {
        return new CutoverException(ErrorCode.EXPORT_CORRUPT, "export file " + where + " " + what, cause);
    }

    private static String message(Throwable e) {
        String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    @Override
    public void close() {
        try {
            if (ion != null) {
                ion.close();
            }
            if (lines != null) {
                lines.close();
            }
            raw.close();
        } catch (IOException e) {
            // Nothing was written through it; a failed close loses nothing.
        }
    }
}
