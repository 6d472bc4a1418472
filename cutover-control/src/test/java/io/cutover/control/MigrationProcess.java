package io.cutover.control;

import io.cutover.core.copy.CopyProgress;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@code cutover migrate} of a DynamoDB table as its own process, for tests that kill the replicator with SIGKILL.
 * Arguments: endpoint, source table, target table, state directory. Runs until killed.
 */
public final class MigrationProcess {
    private MigrationProcess() {
    }

    public static void main(String[] args) {
        URI endpoint = URI.create(args[0]);
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", endpoint), DynamoDbEndpoint.local("target", endpoint))
                .table(args[1], args[2]).stateDir(Path.of(args[3])).build();
        try (DynamoDbMigration migration = new DynamoDbMigration(settings, args[1], args[2], false)) {
            migration.run(null, CopyProgress.NONE, s -> { });
        }
    }
}
