package io.cutover.control;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.ReplicationFence;
import io.cutover.core.copy.CopyProgress;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalTables;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@code cutover migrate --fence-app} of a DynamoDB table as its own process, for tests that kill a replicator with
 * SIGKILL. Arguments: source endpoint, target endpoint, source table, target table, state directory, direction
 * ({@code forward}: backfill, then the stream, fenced by the registry; {@code reverse}: capture only, from the target
 * of the cut-over back to its source, enabling the stream), registry endpoint, registry table, application. Runs until
 * killed.
 */
public final class MigrationProcess {
    private MigrationProcess() {
    }

    public static void main(String[] args) {
        boolean reverse = args[5].equals("reverse");
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", URI.create(args[0])),
                DynamoDbEndpoint.local("target", URI.create(args[1]))).table(args[2], args[3]).stateDir(Path.of(args[4])).build();
        EndpointRegistry registry = new EndpointRegistry(LocalTables.client(URI.create(args[6])), args[7]);
        try (DynamoDbMigration migration = new DynamoDbMigration(settings, args[2], args[3], reverse)) {
            migration.applyWhen(ReplicationFence.of(registry, args[8], reverse ? ReplicationFence.Direction.REVERSE
                    : ReplicationFence.Direction.FORWARD));
            migration.captureOnly(reverse);
            migration.run(null, CopyProgress.NONE, s -> { });
        }
    }
}
