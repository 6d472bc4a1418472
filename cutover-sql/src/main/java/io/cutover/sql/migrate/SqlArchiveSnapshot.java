package io.cutover.sql.migrate;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveSnapshot;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.source.KeyRangeUnit;
import io.cutover.sql.source.KeyRanges;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A PostgreSQL or MySQL/MariaDB table as the source of an {@link ArchiveSnapshot} ({@code cutover archive snapshot --source
 * postgresql://... --mapping FILE}): the same primary-key ranges (keyset pages) and {@link RowMapper} as the migration's
 * backfill, so the snapshot holds the items the migration writes, keyed as the mapping says. A row the mapping cannot
 * turn into an item is left out and counted, as the migration dead-letters it.
 */
public final class SqlArchiveSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(SqlArchiveSnapshot.class);

    private final SqlTable table;
    private final Mapping mapping;
    private final Path stateDir;
    private final ArchiveStore archive;
    private final int ranges;
    private final int pageSize;
    private final LongSupplier clock;
    private final AtomicLong unmapped = new AtomicLong();

    /** @param stateDir the state directory of the table's migration (its changes.db is the log) */
    public SqlArchiveSnapshot(SqlEndpoint source, String sourceTable, Mapping mapping, Path stateDir, ArchiveStore archive, int ranges, int pageSize,
                              LongSupplier clock) {
        List<String> problems = new ArrayList<>();
        if (sourceTable == null || sourceTable.isBlank()) {
            problems.add("--source-table is required with a SQL --source: name the table the migration copies");
        }
        if (ranges < 1) {
            problems.add("--segments must be at least 1, was " + ranges);
        }
        if (pageSize < 1 || pageSize > 100_000) {
            problems.add("--page-size must be between 1 and 100000, was " + pageSize);
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
        this.table = new SqlTable(source, sourceTable);
        this.mapping = mapping;
        this.stateDir = stateDir;
        this.archive = archive;
        this.ranges = ranges;
        this.pageSize = pageSize;
        this.clock = clock;
    }

    /** Rows left out because the mapping cannot turn them into items (after {@link #run}). */
    public long unmapped() {
        return unmapped.get();
    }

    public ArchiveEntry run() {
        SqlMigration.load(stateDir).ifPresent(s -> {
            if (!s.sourceTable().equals(table.qualifiedName())) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--state-dir " + stateDir + " holds the migration of " + s.sourceTable()
                        + ", not " + table.qualifiedName() + ": pass the state directory of this table's migration");
            }
        });
        RowMapper mapper = mapping.bind(table.schema());
        List<KeyRangeUnit> units = new ArrayList<>();
        try {
            ArchiveEntry entry = new ArchiveSnapshot(stateDir.resolve("changes.db"), archive, ranges, clock).run(new ArchiveSnapshot.Source() {
                @Override
                public String name() {
                    return table.qualifiedName();
                }

                @Override
                public List<ArchiveManifest.KeyAttribute> keySchema() {
                    List<ArchiveManifest.KeyAttribute> keys = new ArrayList<>();
                    Mapping.KeyAttribute pk = mapping.partitionKey();
                    keys.add(new ArchiveManifest.KeyAttribute(pk.attribute(), "HASH", pk.type().name()));
                    mapping.sortKey().ifPresent(sk -> keys.add(new ArchiveManifest.KeyAttribute(sk.attribute(), "RANGE", sk.type().name())));
                    return keys;
                }

                @Override
                public List<KeyRangeUnit> units() {
                    units.addAll(KeyRanges.units(table, mapper, KeyRanges.bounds(table, mapper.schema(), ranges), pageSize, new Counting()));
                    return units;
                }
            });
            if (unmapped.get() > 0) {
                LOG.warn("{} rows of {} cannot be mapped and are not in the snapshot (the migration dead-letters them too)", unmapped.get(),
                        table.qualifiedName());
            }
            return entry;
        } finally {
            units.forEach(KeyRangeUnit::close);
        }
    }

    /** Counts the rows the mapping refuses; the snapshot has no dead-letter file of its own. */
    private final class Counting implements DeadLetterSink {
        @Override
        public void accept(String table, Map<String, AttributeValue> item, String reason) {
            unmapped.incrementAndGet();
        }

        @Override
        public long count() {
            return unmapped.get();
        }

        @Override
        public void close() {
        }
    }
}
