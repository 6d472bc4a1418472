package io.cutover.core.result;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The result of {@code cutover verify}, printed as text or JSON and served by the HTTP API.
 * {@code missing}, {@code extra} and {@code different} count every difference found (with
 * {@code --recheck}: only those still there after the recheck); the key lists beside them hold at
 * most {@code listLimit} entries each ({@code truncated} says when there were more), and the report
 * file holds them all.
 *
 * @param status  {@code identical} or {@code different}
 * @param mode    {@code full} or {@code sample}
 * @param recheck null unless {@code --recheck} was given
 */
public record VerifyResult(String status, String mode, String source, String target, long sourceItems, long targetItems,
                           long missing, long extra, long different, List<JsonNode> missingKeys, List<JsonNode> extraKeys,
                           List<KeyDifference> differentItems, boolean truncated, Recheck recheck, int buckets,
                           int bucketsMismatched, double seconds, double itemsPerSecond, String reportFile) {

    /** What the recheck of each mismatch found: gone once writes in flight landed, or still there. */
    public record Recheck(long settled, long persistent, double settleSeconds) {
    }

    public VerifyResult {
        missingKeys = List.copyOf(missingKeys);
        extraKeys = List.copyOf(extraKeys);
        differentItems = List.copyOf(differentItems);
    }

    public boolean identical() {
        return missing == 0 && extra == 0 && different == 0;
    }

    public VerifyResult withReportFile(String file) {
        return new VerifyResult(status, mode, source, target, sourceItems, targetItems, missing, extra, different, missingKeys,
                extraKeys, differentItems, truncated, recheck, buckets, bucketsMismatched, seconds, itemsPerSecond, file);
    }
}
