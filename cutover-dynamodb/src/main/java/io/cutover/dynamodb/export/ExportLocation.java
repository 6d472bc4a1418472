package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where an export is, as the user wrote it: a local folder, or {@code s3://bucket/prefix}. Either the
 * folder that holds {@code manifest-summary.json}, or the export prefix above it (which holds
 * {@code AWSDynamoDB/ExportId/}). Immutable.
 */
public record ExportLocation(String text, Optional<Path> folder, Optional<String> bucket, String prefix) {

    public static ExportLocation parse(String flag, String text) {
        if (text == null || text.isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " is empty: pass a folder or s3://bucket/prefix");
        }
        if (text.startsWith("s3://")) {
            String rest = text.substring(5);
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1);
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " '" + text + "': '" + bucket
                        + "' is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)");
            }
            while (prefix.endsWith("/")) {
                prefix = prefix.substring(0, prefix.length() - 1);
            }
            return new ExportLocation(text, Optional.empty(), Optional.of(bucket), prefix);
        }
        if (text.contains("://")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " '" + text + "' is neither a folder nor s3://bucket/prefix");
        }
        return new ExportLocation(text, Optional.of(Path.of(text)), Optional.empty(), "");
    }

    public boolean isS3() {
        return bucket.isPresent();
    }

    @Override
    public String toString() {
        return text;
    }
}
