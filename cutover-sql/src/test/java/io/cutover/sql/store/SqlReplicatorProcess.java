package io.cutover.sql.store;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.ReplicationFence;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalTables;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One direction of a SQL cut-over as its own process, for tests that kill a replicator with SIGKILL. Arguments:
 * direction ({@code forward}: {@code migrate --source postgresql://...} with the version rule, fenced by the registry;
 * {@code reverse}: capture only from the DynamoDB table's stream, applied to the SQL table through the {@link SqlStore}),
 * SQL URI, SQL table, DynamoDB endpoint, DynamoDB table, state directory, registry endpoint, registry table, application,
 * mapping file. Runs until killed.
 */
public final class SqlReplicatorProcess {
    private SqlReplicatorProcess() {
    }

    public static void main(String[] args) {
        boolean reverse = args[0].equals("reverse");
        SqlEndpoint sql = SqlEndpoint.parse(args[1]);
        DynamoDbEndpoint dynamo = DynamoDbEndpoint.local(reverse ? "source" : "target", URI.create(args[3]));
        Path stateDir = Path.of(args[5]);
        io.cutover.sql.mapping.Mapping mapping = io.cutover.sql.mapping.Mapping.load(Path.of(args[9]));
        EndpointRegistry registry = new EndpointRegistry(LocalTables.client(URI.create(args[6])), args[7]);
        ReplicationFence fence = ReplicationFence.of(registry, args[8], reverse ? ReplicationFence.Direction.REVERSE
                : ReplicationFence.Direction.FORWARD);
        if (reverse) {
            CopySettings settings = CopySettings.builder(dynamo, dynamo).table(args[4], args[2]).stateDir(stateDir).build();
            try (SqlStore store = new SqlStore(sql, args[2], mapping, VersionAttribute.DEFAULT);
                 DynamoDbMigration migration = new DynamoDbMigration(settings, args[4], args[2], true)) {
                migration.captureOnly(true);
                migration.applyWhen(fence);
                migration.applyInto(dead -> new SqlChangeWriter(store, 4, dead));
                migration.run(null, CopyProgress.NONE, s -> { });
            }
        } else {
            SqlMigrationSettings settings = new SqlMigrationSettings(sql, args[2], dynamo, args[4], mapping, stateDir, 2, 2,
                    500, 4, 0, false);
            try (SqlMigration migration = new SqlMigration(settings)) {
                migration.versionRule(Optional.of(VersionAttribute.DEFAULT));
                migration.applyWhen(fence);
                migration.run(null, false, CopyProgress.NONE, s -> { });
            }
        }
    }
}
