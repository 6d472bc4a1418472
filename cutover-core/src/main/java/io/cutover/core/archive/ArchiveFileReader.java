package io.cutover.core.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.DynamoDbJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads archive files back: checks a file's SHA-256 against the manifest before anything is taken from it, then
 * streams its lines (one at a time, so memory stays flat however large the file). Any missing, altered or
 * truncated file is {@link ErrorCode#ARCHIVE_CORRUPT} naming the file.
 */
public final class ArchiveFileReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One archived change: its log sequence, capture time, key, new image (null for a delete), and the source's own time. */
    public record ArchivedChange(long sequence, long timeMillis, Map<String, AttributeValue> key, Map<String, AttributeValue> image,
                                 long sourceTimeMillis) {
    }

    private final ArchiveStore store;

    public ArchiveFileReader(Path dir) {
        this(new FolderArchiveStore(dir));
    }

    public ArchiveFileReader(ArchiveStore store) {
        this.store = store;
    }

    /** Throws ARCHIVE_CORRUPT unless the file is there with the manifest's size and checksum. */
    public void check(ArchiveEntry entry) {
        String file = store.describe(entry.name());
        long size = 0;
        try (InputStream in = store.open(entry.name())) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                size += n;
            }
            if (size != entry.bytes()) {
                throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "archive file " + file + " is " + size + " bytes, the manifest says "
                        + entry.bytes() + " (truncated, or an upload that did not finish): restore the file from a copy, or restore to a time before it");
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            if (!hex.equals(entry.sha256())) {
                throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "archive file " + file + " is corrupt: its SHA-256 is " + hex
                        + ", the manifest says " + entry.sha256() + "; restore the file from a copy, or restore to a time before it");
            }
        } catch (NoSuchFileException e) {
            throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "archive file " + file + " is missing (the manifest names it):"
                    + " restore the file from a copy, or restore to a time before it", e);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "cannot read archive file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Streams a snapshot's items. */
    public void items(ArchiveEntry entry, Consumer<Map<String, AttributeValue>> sink) {
        lines(entry, node -> sink.accept(DynamoDbJson.readItem(node.get("item"))));
    }

    /** Streams a change segment's changes, in log order. */
    public void changes(ArchiveEntry entry, Consumer<ArchivedChange> sink) {
        lines(entry, node -> {
            JsonNode image = node.get("image");
            sink.accept(new ArchivedChange(node.get("seq").asLong(), node.get("time").asLong(), DynamoDbJson.readItem(node.get("key")),
                    "DELETE".equals(node.get("op").asText()) || image == null ? null : DynamoDbJson.readItem(image),
                    node.path("sourceTime").asLong()));
        });
    }

    private void lines(ArchiveEntry entry, Consumer<JsonNode> sink) {
        String file = store.describe(entry.name());
        long count = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(store.open(entry.name()), 1 << 16),
                StandardCharsets.UTF_8), 1 << 16)) {
            JsonNode header = JSON.readTree(r.readLine());
            if (!ArchiveFormat.NAME.equals(header.path("format").asText()) || header.path("version").asInt() > ArchiveFormat.VERSION
                    || !entry.kind().name().equals(header.path("kind").asText())) {
                throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "archive file " + file + " has header " + header
                        + ", not a " + entry.kind() + " file of format version " + ArchiveFormat.VERSION + " or lower");
            }
            for (String line; (line = r.readLine()) != null; ) {
                sink.accept(JSON.readTree(line));
                count++;
            }
        } catch (IOException | NullPointerException e) {
            throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "archive file " + file + " is truncated or not gzip'd JSON lines ("
                    + e.getMessage() + "): restore the file from a copy", e);
        }
        if (count != entry.count()) {
            throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "archive file " + file + " holds " + count + " records, the manifest says "
                    + entry.count() + ": restore the file from a copy");
        }
    }
}
