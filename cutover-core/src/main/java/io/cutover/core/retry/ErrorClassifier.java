package io.cutover.core.retry;

import io.cutover.core.CutoverException;

/**
 * Turns any failure of one connector call into a {@link CutoverException} whose code says whether
 * it may be retried. Each connector supplies one; it must be stateless and thread-safe.
 */
@FunctionalInterface
public interface ErrorClassifier {
    CutoverException classify(Throwable failure);
}
