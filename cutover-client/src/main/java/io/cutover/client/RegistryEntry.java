package io.cutover.client;

/**
 * One application's row in the endpoint registry: its phase, which site is active, where both sides
 * live, and the optimistic-concurrency {@code version} every change is conditioned on.
 *
 * @param app            the application id
 * @param activeSite     the phase's primary site, kept beside the phase for applications that read only that
 * @param stateDir       the migration's state directory (status.json, dead letters), for the switch gates; may be null
 * @param verifyStateDir where {@code cutover verify} keeps its last result (verify-last.json); may be null
 * @param version        starts at 1, increases by one with every change
 * @param reverseStateDir the reverse migration's state directory (the target's stream applied to the source), for the
 *                        handover and failback gates; may be null. Like the other paths, it lives in the entry item, which
 *                        only operator credentials can write (docs/decisions/0074-failback-and-the-replication-fence.md)
 * @param handoverTo     while the site of record is being handed over (the first step of a switch, rollback or failback that
 *                       changes the primary), the phase it is handed to; null otherwise. Instances that see it stop starting
 *                       writes, finish the ones in flight, deliver what they owe the new primary and report this version; only
 *                       then does the second step make {@code handoverTo} the phase
 *                       (docs/decisions/0101-fenced-handover.md)
 */
public record RegistryEntry(String app, Phase phase, Site activeSite, StoreEndpoint source, StoreEndpoint target, String stateDir,
                            String verifyStateDir, long version, String updatedBy, String updatedAt, String reason,
                            String reverseStateDir, Phase handoverTo) {

    /** An entry that is not handing over. */
    public RegistryEntry(String app, Phase phase, Site activeSite, StoreEndpoint source, StoreEndpoint target, String stateDir,
                         String verifyStateDir, long version, String updatedBy, String updatedAt, String reason,
                         String reverseStateDir) {
        this(app, phase, activeSite, source, target, stateDir, verifyStateDir, version, updatedBy, updatedAt, reason, reverseStateDir,
                null);
    }

    /** Whether writes are fenced: the site of record is being handed over and no instance may start a write. */
    public boolean handingOver() {
        return handoverTo != null;
    }

    /** An entry without a reverse migration. */
    public RegistryEntry(String app, Phase phase, Site activeSite, StoreEndpoint source, StoreEndpoint target, String stateDir,
                         String verifyStateDir, long version, String updatedBy, String updatedAt, String reason) {
        this(app, phase, activeSite, source, target, stateDir, verifyStateDir, version, updatedBy, updatedAt, reason, null);
    }

    /** The endpoint of the active site. */
    public StoreEndpoint activeEndpoint() {
        return activeSite == Site.SOURCE ? source : target;
    }

    public StoreEndpoint endpoint(Site site) {
        return site == Site.SOURCE ? source : target;
    }
}
