package io.cutover.client;

/**
 * What one running application instance last told the registry (about once a second): the phase it
 * runs in, and how many writes each site still owes from its retry journals. The operator's gates use
 * it to know that every instance has taken the current phase and that no instance still owes the site
 * the next phase will read from.
 *
 * @param instance a name unique to the process (host and pid by default)
 * @param version  the registry version whose phase the instance runs in
 */
public record ClientReport(String app, String instance, Phase phase, long version, long pendingSource, long pendingTarget,
                           long secondaryFailures, long shadowMismatches, String at) {
}
