package io.cutover.sql.migrate;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ChangeWriter;
import io.cutover.core.apply.VersionedWriter;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.engine.SinkConnector;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.store.SqlChangeWriter;
import io.cutover.sql.store.SqlStore;
import io.cutover.sql.store.SqlStoreWriter;

/**
 * A table of the other SQL engine as the side a live migration writes (docs/decisions/0200, 0240): the backfill and the
 * live apply write through {@code store} (its mapping read backwards, each value checked against the column's type, the
 * version rule in the database). The table exists already (it is the other site's), so there is nothing to prepare. The
 * store is not closed here.
 */
record SqlStoreSink(SqlStore store, int writeConcurrency) implements SinkConnector {
    @Override
    public void prepare() {
        // the other site's table exists: it is checked against the mapping when the store is opened
    }

    @Override
    public TargetWriter bulkWriter(DeadLetterSink deadLetters) {
        return new SqlStoreWriter(store, writeConcurrency, deadLetters);
    }

    /** Never used: a SQL-to-SQL replication always writes under the version rule (SqlMigration refuses to start without one). */
    @Override
    public ChangeWriter unconditionalWriter(TargetWriter bulk) {
        throw new CutoverException(ErrorCode.CONFIG_INVALID, "a SQL-to-SQL replication writes under the version rule: set the"
                + " version attribute (--fence-app, or versionRule) and give both tables the version columns");
    }

    /** The store's rows carry the version columns its mapping names, so the rule is the store's. */
    @Override
    public VersionedWriter versionedWriter(VersionAttribute rule, DeadLetterSink deadLetters) {
        return new SqlChangeWriter(store, writeConcurrency, deadLetters);
    }
}
