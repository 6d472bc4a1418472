package io.cutover.core.version;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;

/**
 * The version every write made through the phased client carries (a hybrid logical clock reading,
 * docs/decisions/0070-versioned-writes-and-the-version-rule.md): wall-clock milliseconds, a counter
 * for writes within one millisecond or behind an observed newer version, and the writing instance's
 * id as the tie-breaker. {@link #encoded()} is one string whose byte order is the version order, so a
 * store compares versions with its own string comparison (DynamoDB's {@code <} on S, SQL's
 * {@code <} on a binary-collated text column, MongoDB's {@code $lt} on strings).
 *
 * <p>The first component is the <b>epoch</b>: the endpoint registry's version of the phase the writer
 * ran in (docs/decisions/0075-epoch-fenced-versions.md). It outranks the clock, so a write made in an
 * older epoch (an instance that had not yet taken a switch of the site of record) is older than every
 * write of the newer one, whatever the clocks say, and the store can tell that it ran behind.
 *
 * @param epoch    the registry version of the phase the writer ran in (0 for none)
 * @param millis   milliseconds since the epoch (13 digits until the year 2286)
 * @param counter  0 to {@value #MAX_COUNTER}
 * @param instance the writing instance; letters, digits, '.', '_', '-', ':' only
 */
public record Version(long epoch, long millis, int counter, String instance) implements Comparable<Version> {
    public static final int MAX_COUNTER = 999_999;
    public static final long MAX_EPOCH = 9_999_999_999L;

    public Version {
        if (epoch < 0 || epoch > MAX_EPOCH || millis < 0 || millis > 9_999_999_999_999L || counter < 0 || counter > MAX_COUNTER
                || instance == null || !instance.matches("[A-Za-z0-9._:-]{1,100}")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "not a write version: epoch " + epoch + ", millis " + millis + ", counter "
                    + counter + ", instance '" + instance + "'; the instance id takes letters, digits, '.', '_', '-' or ':' (at most 100)");
        }
    }

    /** A version of epoch 0. */
    public Version(long millis, int counter, String instance) {
        this(0, millis, counter, instance);
    }

    /** Fixed-width, so that string order is version order: {@code E0000000007-0001733030400000-000000-instance}. */
    public String encoded() {
        return String.format("E%010d-%016d-%06d-%s", epoch, millis, counter, instance);
    }

    /** Reads {@link #encoded()}; a {@link ErrorCode#REJECTED} for anything else. */
    public static Version parse(String encoded) {
        try {
            String[] parts = encoded.split("-", 4);
            if (!parts[0].startsWith("E") || parts.length != 4) {
                throw new IllegalArgumentException("no epoch");
            }
            return new Version(Long.parseLong(parts[0].substring(1)), Long.parseLong(parts[1]), Integer.parseInt(parts[2]), parts[3]);
        } catch (RuntimeException e) {
            throw new CutoverException(ErrorCode.REJECTED, "'" + encoded + "' is not a Cutover write version"
                    + " (Eepoch-millis-counter-instance): something other than Cutover wrote the version attribute; rename one of them", e);
        }
    }

    /** The epoch of an encoded version, or -1 for none (absent: older than every epoch). */
    public static long epochOf(String encoded) {
        return encoded == null ? -1 : parse(encoded).epoch();
    }

    @Override
    public int compareTo(Version o) {
        return encoded().compareTo(o.encoded());
    }

    /** Whether this version is newer than {@code stored} (absent counts as older than every version). */
    public boolean newerThan(String stored) {
        return stored == null || encoded().compareTo(stored) > 0;
    }
}
