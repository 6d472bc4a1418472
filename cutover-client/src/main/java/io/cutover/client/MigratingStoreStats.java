package io.cutover.client;

/**
 * What a {@link MigratingStore} did since it started; the journal counts are the journal's own
 * (persisted, so they include earlier runs).
 *
 * @param secondaryFailures secondary writes that failed and were journaled instead
 * @param journaledBehind   secondary writes journaled without trying, behind an earlier failed write of the same key
 * @param repairs           keys brought up to date on the primary before a read or write (a journal entry for the primary)
 * @param phaseChanges      phases applied after the first
 */
public record MigratingStoreStats(Phase phase, long reads, long writes, long secondaryWrites, long secondaryFailures,
                                  long journaledBehind, long drained, long pendingSource, long pendingTarget, long shadowReads,
                                  long shadowMismatches, long repairs, long phaseChanges) {
    public long pending() {
        return pendingSource + pendingTarget;
    }
}
