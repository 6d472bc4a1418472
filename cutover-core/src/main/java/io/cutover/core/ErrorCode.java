package io.cutover.core;

/**
 * What went wrong, in terms a user can act on. Each code carries the process exit code the CLI
 * returns for it and whether the operation that raised it may be retried.
 *
 * <p>Exit codes are part of the public contract (documented in docs/exit-codes.md): 2 for bad input,
 * 3 for a source or target that cannot be used, 4 for a failure while running, 130 for an interrupt.
 */
public enum ErrorCode {
    /** A flag or configuration value is wrong; the message names the key and the fix. */
    CONFIG_INVALID(2, false),
    /** The state directory belongs to a different job, or is damaged. */
    STATE_CONFLICT(2, false),
    /** An endpoint could not be reached at all. */
    ENDPOINT_UNREACHABLE(3, false),
    /** No credentials could be found, or they were refused. Never retried. */
    CREDENTIALS(3, false),
    /** A named table does not exist. */
    TABLE_NOT_FOUND(3, false),
    /** The target exists but cannot hold the source's data (different keys). */
    TARGET_INCOMPATIBLE(3, false),
    /** The service does not offer a feature (for example tagging on DynamoDB Local). */
    UNSUPPORTED(3, false),
    /** The service asked us to slow down (throttling, unprocessed items). */
    THROTTLED(4, true),
    /** A transient fault: a 5xx, a dropped connection, a timeout. */
    TRANSIENT(4, true),
    /** The service refused a request as invalid; retrying cannot help. */
    REJECTED(4, false),
    /**
     * Changes were lost from a source's change stream before Cutover read them (trimmed records, a
     * shard that vanished): the target can no longer be kept exact. Never retried, never skipped.
     */
    STREAM_GAP(4, false),
    /**
     * Someone else changed the same thing first (two operators switching one application's phase at
     * once): the message names who won and the current version. Re-read and decide again.
     */
    CONFLICT(4, false),
    /**
     * The application's own condition (a {@code ConditionExpression}, a transaction's condition check) was false on the
     * site of record, through {@code MigratingStore}: nothing was written on either site. Retrying the same write cannot help.
     */
    CONDITION_FAILED(4, false),
    /** A cut-over switch was refused because its gates did not pass (lag, verify, dead letters); --force overrides. */
    GATES_REFUSED(5, false),
    /** A restore archive file is missing, truncated or does not match its checksum; the message names the file. */
    ARCHIVE_CORRUPT(3, false),
    /**
     * An export's file is missing, truncated, not gzip, holds a line that is not an item, or does not match the
     * manifest (checksum, item count); the message names the file and, where it can, the line.
     */
    EXPORT_CORRUPT(3, false),
    /** Retries were exhausted. */
    RETRIES_EXHAUSTED(4, false),
    /** The run was stopped by the user (Ctrl-C, SIGTERM). */
    INTERRUPTED(130, false),
    /** A bug or an unexpected condition. */
    INTERNAL(4, false);

    private final int exitCode;
    private final boolean retryable;

    ErrorCode(int exitCode, boolean retryable) {
        this.exitCode = exitCode;
        this.retryable = retryable;
    }

    public int exitCode() {
        return exitCode;
    }

    public boolean retryable() {
        return retryable;
    }
}
