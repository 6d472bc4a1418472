package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ChangeWriter;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.engine.SinkConnector;
import io.cutover.core.version.VersionAttribute;
import java.util.function.Function;

/**
 * Another store of the phased client (a MongoDB collection, a SQL table) as the side the reverse direction of a cut-over
 * writes (docs/decisions/0140, 0240): its live changes go through the store's versioned writer, made by {@code writers}
 * (the store's own rule applies). A DynamoDB-to-store migration copies nothing into the store, so the bulk side stays the
 * DynamoDB table's.
 */
record StoreChangeSink(DynamoDbTableSink table, Function<DeadLetterSink, VersionedWriter> writers) implements SinkConnector {
    @Override
    public void prepare() {
        table.prepare();
    }

    @Override
    public TargetWriter bulkWriter(DeadLetterSink deadLetters) {
        return table.bulkWriter(deadLetters);
    }

    /** Never used: the changes into a store are always written under the version rule. */
    @Override
    public ChangeWriter unconditionalWriter(TargetWriter bulk) {
        throw new CutoverException(ErrorCode.CONFIG_INVALID, "changes applied into another store are written under the version rule:"
                + " set the version attribute");
    }

    @Override
    public VersionedWriter versionedWriter(VersionAttribute rule, DeadLetterSink deadLetters) {
        return writers.apply(deadLetters);
    }
}
