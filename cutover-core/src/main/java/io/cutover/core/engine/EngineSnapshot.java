package io.cutover.core.engine;

import io.cutover.core.apply.ApplyStats;
import io.cutover.core.changelog.ChangeLog;

/**
 * What the phase machine knows at a report, for the migration to turn into its {@link io.cutover.core.result.MigrationStatus}.
 *
 * @param phase        the journal's phase
 * @param log          the change log, or null before it is open
 * @param stats        the live apply's figures, or null before the apply began
 * @param rate         changes applied per second since the last report
 * @param deadLettered lines this run added to the dead-letter file
 * @param versioned    true when the live apply writes under the version rule
 * @param olderRefused changes the version rule refused in this run
 * @param conflicts    true conflicts listed, earlier runs' included
 * @param fenced       true while the fence forbids applying
 */
public record EngineSnapshot(String phase, ChangeLog log, ApplyStats stats, double rate, long deadLettered, boolean versioned,
                             long olderRefused, long conflicts, boolean fenced) {
}
