package io.cutover.sql.capture;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The source's current position, read once the writers stopped, that capture must reach before
 * {@code migrate --until drained --finish} may stop capture and drop the slot: every change committed
 * before it is then durable in the change log. "Nothing arrived for two seconds" is not that: capture
 * can be slower than two seconds behind the source.
 *
 * <p>PostgreSQL: a non-transactional logical decoding message ({@code pg_logical_emit_message}, PostgreSQL
 * 14 or later with pgoutput): its LSN is the server's current WAL position, and the slot delivers it to
 * Debezium after every transaction that committed before it, so the captured LSN reaches it even on a table
 * nobody writes to. MySQL/MariaDB: the binlog file and position of {@code SHOW MASTER STATUS}, which
 * Debezium's offset reaches after the last transaction before it (and the next heartbeat carries).
 *
 * @param lsn  PostgreSQL: the position to reach; otherwise unused
 * @param file MySQL/MariaDB: the binlog file to reach
 * @param pos  MySQL/MariaDB: the position in that file
 */
public record SourceFence(long lsn, String file, long pos) {

    /** Reads (PostgreSQL: writes) the source's current position. */
    public static SourceFence mark(SqlTable table) {
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            if (table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
                try (ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_logical_emit_message(false, 'cutover', 'drained'), '0/0')::bigint")) {
                    rs.next();
                    return new SourceFence(rs.getLong(1), null, 0);
                }
            }
            try (ResultSet rs = binlogStatus(s)) {
                if (!rs.next()) {
                    throw new CutoverException(ErrorCode.UNSUPPORTED, table.endpoint().describe() + " shows no binlog position (SHOW MASTER STATUS"
                            + " is empty): turn log_bin on, and grant the migration user REPLICATION CLIENT");
                }
                return new SourceFence(0, rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw table.failure("read the current position of", e);
        }
    }

    private static ResultSet binlogStatus(Statement s) throws SQLException {
        try {
            return s.executeQuery("SHOW MASTER STATUS");
        } catch (SQLException e) {
            return s.executeQuery("SHOW BINARY LOG STATUS"); // MySQL 8.4 removed SHOW MASTER STATUS
        }
    }

    /** True when a Debezium source offset is at or past this position. */
    public boolean reachedBy(Map<String, ?> offset) {
        if (offset == null) {
            return false;
        }
        if (file == null) {
            long captured = Math.max(number(offset.get("lsn")), number(offset.get("lsn_proc")));
            return captured >= lsn;
        }
        Object f = offset.get("file");
        if (f == null) {
            return false;
        }
        int byFile = compareFiles(f.toString(), file);
        return byFile > 0 || byFile == 0 && number(offset.get("pos")) >= pos;
    }

    /** Binlog files by their sequence number (the suffix after the last dot), which may outgrow its zero padding. */
    static int compareFiles(String a, String b) {
        String sa = a.substring(a.lastIndexOf('.') + 1);
        String sb = b.substring(b.lastIndexOf('.') + 1);
        if (sa.matches("\\d{1,18}") && sb.matches("\\d{1,18}")) {
            return Long.compare(Long.parseLong(sa), Long.parseLong(sb));
        }
        return a.compareTo(b);
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : o == null ? -1 : Long.parseLong(o.toString());
    }

    @Override
    public String toString() {
        return file == null ? "LSN " + Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xffffffffL).toUpperCase()
                : file + ":" + pos;
    }
}
