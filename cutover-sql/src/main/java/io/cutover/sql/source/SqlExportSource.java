package io.cutover.sql.source;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.export.ExportSource;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A PostgreSQL or MySQL/MariaDB table as {@code cutover export} reads it: the SQL backfill's primary-key ranges
 * ({@link KeyRanges}, the split points kept in the export's state directory as a migration keeps them), each read with
 * keyset pages by a {@link KeyRangeUnit} that maps rows through the YAML mapping and dead-letters a row it cannot map.
 * So an export holds exactly the items {@code cutover migrate} writes in its backfill (without the version attribute,
 * which only a fenced cut-over adds). No capture is started: an export reads the table as it is, row by row.
 */
public final class SqlExportSource implements ExportSource {
    private final SqlTable table;
    private final Mapping mapping;
    private final int pageSize;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final List<KeyRangeUnit> opened = new ArrayList<>();
    private RowMapper mapper;

    public SqlExportSource(SqlEndpoint endpoint, String table, Mapping mapping, int pageSize) {
        if (table == null || table.isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required with a SQL --source: name the table to export");
        }
        if (pageSize < 1 || pageSize > 100_000) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--page-size must be between 1 and 100000 rows, was " + pageSize);
        }
        this.table = new SqlTable(endpoint, table);
        this.mapping = mapping;
        this.pageSize = pageSize;
    }

    @Override
    public String name() {
        return table.qualifiedName() + " at " + table.endpoint().describe();
    }

    @Override
    public void check() {
        // the same binding migrate and verify use: a column the mapping names that the table lacks is refused here, by name
        mapper = mapping.bind(table.schema());
    }

    public RowMapper mapper() {
        return mapper;
    }

    @Override
    public long estimatedItems() {
        return Math.max(0, table.estimatedRows());
    }

    @Override
    public List<String> split(int units) {
        List<Object> bounds = retry.execute("split " + table.qualifiedName() + " into key ranges", a -> KeyRanges.bounds(table, mapper.schema(), units),
                e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, String.valueOf(e), e), RetryListener.NONE);
        List<String> encoded = new ArrayList<>();
        for (Object b : bounds) {
            encoded.add(new KeysetPosition(List.of(b)).encode());
        }
        return encoded;
    }

    @Override
    public List<SnapshotUnit> units(List<String> split, Function<String, DeadLetterSink> deadLettersFor) {
        List<SnapshotUnit> units = new ArrayList<>();
        Object lower = null;
        for (int i = 0; i <= split.size(); i++) {
            Object upper = i < split.size() ? KeysetPosition.decode(split.get(i)).lastKey().get(0) : null;
            String id = String.format("range-%04d", i);
            KeyRangeUnit unit = new KeyRangeUnit(id, table, mapper, lower, upper, pageSize, deadLettersFor.apply(id));
            opened.add(unit);
            units.add(unit);
            lower = upper;
        }
        return units;
    }

    @Override
    public void close() {
        opened.forEach(KeyRangeUnit::close);
    }
}
