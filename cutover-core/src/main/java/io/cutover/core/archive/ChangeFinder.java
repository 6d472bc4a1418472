package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Finds the first archived change that matches {@code attr=value} pairs (on the key, else on the new image), so that a
 * restore can stop just before a bad write: {@code restore --before-change 'pk=order#42'}. Reads the change segments in
 * log order, each checked against its checksum first, and stops at the first match.
 */
public final class ChangeFinder {
    private final ArchiveManifest manifest;
    private final ArchiveFileReader reader;

    public ChangeFinder(ArchiveManifest manifest, ArchiveFileReader reader) {
        this.manifest = manifest;
        this.reader = reader;
    }

    /** Parses {@code a=1,b=x} into ordered pairs; a malformed pair is CONFIG_INVALID naming the flag. */
    public static Map<String, String> parse(String flag, String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq < 1) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " must be attribute=value pairs separated by commas"
                        + " (for example pk=order#42,sk=v1), was '" + text + "'");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }

    /** The log sequence of the first change after the oldest base that matches, or empty. */
    public Optional<Long> first(Map<String, String> match) {
        long from = manifest.snapshots().stream().mapToLong(ArchiveEntry::firstSequence).min().orElse(0);
        for (ArchiveEntry segment : manifest.changes()) {
            if (segment.lastSequence() <= from) {
                continue;
            }
            reader.check(segment);
            long[] found = {-1};
            reader.changes(segment, c -> {
                if (found[0] < 0 && c.sequence() > from && matches(c, match)) {
                    found[0] = c.sequence();
                }
            });
            if (found[0] >= 0) {
                return Optional.of(found[0]);
            }
        }
        return Optional.empty();
    }

    private static boolean matches(ArchiveFileReader.ArchivedChange c, Map<String, String> match) {
        return match.entrySet().stream().allMatch(e -> {
            AttributeValue v = c.key().containsKey(e.getKey()) ? c.key().get(e.getKey()) : c.image() == null ? null : c.image().get(e.getKey());
            return v != null && (e.getValue().equals(v.s()) || e.getValue().equals(v.n()));
        });
    }
}
