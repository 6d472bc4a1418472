package io.cutover.mongodb;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.ReplicationFence;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalTables;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One direction of a MongoDB cut-over as its own process, fenced by the registry, for tests that kill a replicator with
 * SIGKILL. Arguments: direction ({@code forward}: the change-stream migration under the version rule; {@code reverse}:
 * the table's stream applied to the collection), MongoDB URI with its database, collection, DynamoDB endpoint, table,
 * state directory, registry endpoint, registry table, application. Runs until killed.
 */
public final class MongoReplicatorProcess {
    private MongoReplicatorProcess() {
    }

    public static void main(String[] args) {
        boolean reverse = args[0].equals("reverse");
        MongoSourceUri mongo = MongoSourceUri.parse(args[1]);
        DocumentMapping mapping = DocumentMapping.byId("id");
        URI dynamoDb = URI.create(args[3]);
        Path stateDir = Path.of(args[5]);
        EndpointRegistry registry = new EndpointRegistry(LocalTables.client(URI.create(args[6])), args[7]);
        ReplicationFence fence = ReplicationFence.of(registry, args[8], reverse ? ReplicationFence.Direction.REVERSE
                : ReplicationFence.Direction.FORWARD);
        if (reverse) {
            try (MongoReverseReplication r = new MongoReverseReplication(new MongoReverseReplication.Settings(
                    DynamoDbEndpoint.local("source", dynamoDb), args[4], mongo, args[2], mapping, stateDir, VersionAttribute.DEFAULT, true, 4))) {
                r.applyWhen(fence);
                r.run(null, s -> { });
            }
        } else {
            try (MongoMigration m = new MongoMigration(new MongoMigrationSettings(mongo, args[2], mapping, DynamoDbEndpoint.local("target",
                    dynamoDb), args[4], stateDir, MongoMigrationSettings.Mode.CHANGE_STREAM, null, 1, 2, 4, 0, 200), false)) {
                m.versionRule(Optional.of(VersionAttribute.DEFAULT));
                m.applyWhen(fence);
                m.run(null, CopyProgress.NONE, s -> { });
            }
        }
    }
}
