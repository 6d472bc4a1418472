package io.cutover.mongodb;

/** How BSON Date and Timestamp values become DynamoDB attributes (docs/mongodb.md, "Type mapping"). */
public enum DateFormat {
    /**
     * An ISO-8601 string in UTC with always three fraction digits, for example {@code 2026-11-23T10:00:00.000Z}: S.
     * Fixed width, so that strings sort in time order (a sort key built from a date must): {@code Instant.toString}
     * would print {@code ...:00Z} for a whole second, which sorts after {@code ...:00.500Z}.
     */
    ISO,
    /** Milliseconds since 1970-01-01T00:00:00Z: N. */
    EPOCH;

    /** Years 0000 to 9999 in four digits; outside them a sign and more digits, as ISO-8601's expanded form. */
    private static final java.time.format.DateTimeFormatter FIXED_WIDTH_UTC = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /** The {@link #ISO} rendering of an instant: UTC, milliseconds, fixed width. */
    public static String iso(long epochMillis) {
        return FIXED_WIDTH_UTC.format(java.time.Instant.ofEpochMilli(epochMillis));
    }

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
