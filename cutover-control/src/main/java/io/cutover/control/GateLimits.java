package io.cutover.control;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a forward switch requires of the migration; validated once, every problem reported together.
 *
 * @param maxLagMillis        the migration's pipeline lag (p99, from capture to target acknowledgement) must be at most this
 * @param maxBacklog          changes captured but not yet applied
 * @param maxStatusAgeSeconds status.json must be this fresh: an older one means the migration is not running, so its lag is unknown
 * @param maxVerifyAgeSeconds the last verify must have finished at most this long ago (and after the migration reached IN_SYNC)
 */
public record GateLimits(long maxLagMillis, long maxBacklog, long maxStatusAgeSeconds, long maxVerifyAgeSeconds) {
    public static final long DEFAULT_MAX_VERIFY_AGE_SECONDS = 3600;
    public static final GateLimits DEFAULTS = new GateLimits(1000, 1000, 30);

    public GateLimits(long maxLagMillis, long maxBacklog, long maxStatusAgeSeconds) {
        this(maxLagMillis, maxBacklog, maxStatusAgeSeconds, DEFAULT_MAX_VERIFY_AGE_SECONDS);
    }

    public GateLimits {
        List<String> problems = new ArrayList<>();
        if (maxLagMillis < 0) {
            problems.add("--max-lag-ms must be 0 or more, was " + maxLagMillis);
        }
        if (maxBacklog < 0) {
            problems.add("--max-backlog must be 0 or more, was " + maxBacklog);
        }
        if (maxStatusAgeSeconds < 1) {
            problems.add("--max-status-age must be at least 1 second, was " + maxStatusAgeSeconds);
        }
        if (maxVerifyAgeSeconds < 1) {
            problems.add("--max-verify-age must be at least 1 second, was " + maxVerifyAgeSeconds);
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }
}
