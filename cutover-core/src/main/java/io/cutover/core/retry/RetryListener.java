package io.cutover.core.retry;

import io.cutover.core.CutoverException;

/** Told about every retry, on the thread that retries; used for counters and adaptive throttling. */
public interface RetryListener {
    RetryListener NONE = (failure, attempt) -> { };

    void onRetry(CutoverException failure, int attempt);
}
