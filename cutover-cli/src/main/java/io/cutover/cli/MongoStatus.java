package io.cutover.cli;

import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.DynamoDbVerification;
import io.cutover.mongodb.MongoMigration;

/** {@code cutover status} of a MongoDB migration's state directory: the phase from its state file, the rest from status.json. */
final class MongoStatus {
    private MongoStatus() {
    }

    static int print(StatusCommand c) {
        MongoMigration.State state = MongoMigration.load(c.stateDir).orElseThrow();
        MigrationStatus status = DynamoDbMigration.lastStatus(c.stateDir).orElse(new MigrationStatus(state.phase(), state.source(),
                state.targetTable(), state.mode(), state.backfillItems(), 0, 0, 0, state.backfillDeadLettered(), 0, 0, 0, 0, 0, 0, 0, 0,
                java.util.Map.of(), null));
        if (!status.phase().equals(state.phase())) {
            status = new MigrationStatus(state.phase(), status.sourceTable(), status.targetTable(), status.streamArn(), state.backfillItems(),
                    status.captured(), status.applied(), status.superseded(), status.deadLettered(), status.backlog(), status.changesPerSecond(),
                    status.lagP50Millis(), status.lagP99Millis(), status.lagMaxMillis(), status.pipelineLagP50Millis(),
                    status.pipelineLagP99Millis(), status.pipelineLagMaxMillis(), status.positions(), status.updatedAt());
        }
        c.printer().result(status, s -> MigrateCommand.text(s) + DynamoDbVerification.last(c.stateDir)
                .map(v -> "  last verify: " + v.status() + " (" + v.missing() + " missing, " + v.extra() + " extra, " + v.different() + " different)\n")
                .orElse(""));
        return 0;
    }
}
