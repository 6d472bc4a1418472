package io.cutover.sql.replicate;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.ReplicationFence;
import io.cutover.core.copy.CopyProgress;
import io.cutover.local.LocalTables;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.store.SqlStore;
import java.net.URI;
import java.nio.file.Path;

/**
 * One direction of a PostgreSQL ⇄ MariaDB pair as its own process, for tests that kill it with SIGKILL. Arguments:
 * direction ({@code forward}: the application's source into its target, with a backfill, fenced as the forward direction;
 * {@code reverse}: capture only, from the target back into the source, fenced as the way back), from URI, into URI, state
 * directory, registry endpoint, registry table, application. Runs until killed.
 */
public final class SqlPairReplicatorProcess {
    private SqlPairReplicatorProcess() {
    }

    public static void main(String[] args) {
        boolean reverse = args[0].equals("reverse");
        EndpointRegistry registry = new EndpointRegistry(LocalTables.client(URI.create(args[4])), args[5]);
        ReplicationFence fence = ReplicationFence.of(registry, args[6], reverse ? ReplicationFence.Direction.REVERSE
                : ReplicationFence.Direction.FORWARD);
        try (SqlStore into = new SqlStore(SqlEndpoint.parse(args[2]), SqlPair.TABLE, SqlPair.mapping(args[2]), SqlPair.V);
             SqlPair.Replicator r = new SqlPair.Replicator(args[1], into, Path.of(args[3]), reverse)) {
            r.migration.applyWhen(fence);
            r.migration.run(null, false, CopyProgress.NONE, s -> { });
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(4);
        }
    }
}
