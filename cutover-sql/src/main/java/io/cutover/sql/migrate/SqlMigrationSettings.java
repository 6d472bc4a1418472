package io.cutover.sql.migrate;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a SQL-to-DynamoDB migration needs, checked on construction.
 *
 * @param ranges        primary-key ranges the backfill is split into
 * @param parallelism   ranges read at once
 * @param pageSize      rows per keyset page
 */
public record SqlMigrationSettings(SqlEndpoint source, String sourceTable, DynamoDbEndpoint target, String targetTable, Mapping mapping,
                                   Path stateDir, int ranges, int parallelism, int pageSize, int writeConcurrency, double maxWriteRate,
                                   boolean restart) {
    public SqlMigrationSettings {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(stateDir, "stateDir");
        if (sourceTable == null || sourceTable.isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required with a SQL --source");
        }
        if (targetTable == null || targetTable.isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--target-table is required with a SQL --source");
        }
        if (ranges < 1 || ranges > 10_000) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--segments must be between 1 and 10000, was " + ranges);
        }
        if (parallelism < 1 || writeConcurrency < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--parallelism and --write-concurrency must be at least 1");
        }
        if (pageSize < 1 || pageSize > 100_000) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--page-size must be between 1 and 100000, was " + pageSize);
        }
    }
}
