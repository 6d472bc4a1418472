package io.cutover.mongodb;

/** How BSON Date and Timestamp values become DynamoDB attributes (docs/mongodb.md, "Type mapping"). */
public enum DateFormat {
    /** An ISO-8601 string in UTC with milliseconds, for example {@code 2026-11-23T10:00:00.123Z}: S. */
    ISO,
    /** Milliseconds since 1970-01-01T00:00:00Z: N. */
    EPOCH;

    public static DateFormat parse(String text) {
        if (text == null) {
            return ISO;
        }
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "iso" -> ISO;
            case "epoch" -> EPOCH;
            default -> throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID,
                    "--dates must be iso or epoch, was '" + text + "'");
        };
    }
}
