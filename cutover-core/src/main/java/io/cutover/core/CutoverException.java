package io.cutover.core;

/**
 * The one exception root of Cutover. Every failure that reaches a user is one of these, with an
 * {@link ErrorCode} that decides the exit code and whether the {@link io.cutover.core.retry.RetryPolicy}
 * may try again. Messages are one line, name the problem and the fix, and never contain credentials.
 */
public class CutoverException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public CutoverException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public CutoverException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public boolean retryable() {
        return code.retryable();
    }

    public int exitCode() {
        return code.exitCode();
    }
}
