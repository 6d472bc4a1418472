package io.cutover.core.archive;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.RestoreResult;
import io.cutover.core.result.VerifyResult;

/**
 * A point-in-time restore from an archive, whatever it writes into (a new DynamoDB table, or a store of the source's kind):
 * what the command line runs. {@link #run} and {@link #verify} block; {@link #requestStop} may be called from another thread.
 */
public interface Restore extends AutoCloseable {
    /** The plan: the base used, the changes to replay, the expected items; writes nothing. */
    RestoreResult dryRun();

    /** Restores, resuming from the state directory; the result says whether it completed or was stopped. */
    RestoreResult run(CopyProgress progress);

    /** Compares what was restored with the archive's expected state at the restore point. */
    VerifyResult verify(CopyProgress progress);

    /** Asks a running {@link #run} to stop at the next checkpoint. */
    void requestStop();

    @Override
    void close();
}
