package io.cutover.sql.capture;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.source.SqlTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;

/**
 * PostgreSQL's logical replication slot and publication for one migration. Cutover creates both before
 * the backfill (so every later change is retained) and drops both when the migration completes or is
 * abandoned: a forgotten slot keeps WAL forever and can fill the source's disk.
 */
public final class ReplicationSlots {
    private ReplicationSlots() {
    }

    /** Where a slot stands: how much WAL it holds back. */
    public record SlotLag(String slot, boolean active, long lagBytes, String confirmedFlushLsn, String currentLsn) {
    }

    /** A slot name from the table and target: lower case letters, digits and underscores, at most 63 characters. */
    public static String slotName(SqlTable table, String targetTable) {
        String raw = ("cutover_" + table.tableName() + "_" + targetTable).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return raw.length() > 63 ? raw.substring(0, 63) : raw;
    }

    /** How long PREPARE waits for the transactions open on the source to end before creating the slot. */
    public static final java.time.Duration SLOT_WAIT = java.time.Duration.ofMinutes(2);

    public static void create(SqlTable table, String slot, String publication) {
        create(table, slot, publication, SLOT_WAIT);
    }

    /** Retries of a slot or publication call whose connection dropped (a reset network, a restarting pooler). */
    private static final io.cutover.core.retry.RetryPolicy CONNECTION_RETRY = new io.cutover.core.retry.RetryPolicy(8,
            java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5));

    /**
     * Creates the publication and the slot when missing. Creating a slot waits until every transaction open at
     * that moment has ended; after {@code wait} it gives up and names the sessions holding one open.
     *
     * <p>A connection that drops on the way (an I/O error, SQLSTATE class 08) is retried: both steps look before
     * they create, so a retry after a create that landed finds it. A retry can find the slot still being created by
     * the session whose connection dropped (the server does not notice a lost client while it waits); the slot is
     * usable only once it is consistent, so this waits until it is (or is gone, and then creates it): returning
     * earlier would let the backfill's snapshot start before the first change the slot keeps.
     */
    public static void create(SqlTable table, String slot, String publication, java.time.Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        CONNECTION_RETRY.execute("create replication slot " + slot, attempt -> {
            createOnce(table, slot, publication, java.time.Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            return null;
        }, e -> e instanceof SQLException sql && connectionLost(sql) ? table.failure("create replication slot " + slot, sql)
                : new CutoverException(ErrorCode.UNSUPPORTED, "cannot create replication slot " + slot + " and publication " + publication
                        + " on " + table.endpoint().describe() + " (" + (e instanceof SQLException sql ? table.failure("create", sql).getMessage()
                        : String.valueOf(e)) + "); the user needs the REPLICATION attribute and ownership of the table, and the server"
                        + " max_replication_slots > slots in use", e), io.cutover.core.retry.RetryListener.NONE);
    }

    /** A failure of the connection rather than of the statement: SQLSTATE class 08, or an I/O error underneath. */
    static boolean connectionLost(SQLException e) {
        if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    private static void createOnce(SqlTable table, String slot, String publication, java.time.Duration wait) throws SQLException {
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                p.setString(1, publication);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        // A partitioned table's changes are published under the parent's name, so that the one table
                        // Debezium includes sees them (without it they arrive as the leaf partitions' and are filtered out).
                        s.execute("CREATE PUBLICATION " + table.quote(publication) + " FOR TABLE " + table.sqlName()
                                + (partitions(c, table).isEmpty() ? "" : " WITH (publish_via_partition_root = true)"));
                    }
                }
            }
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                Boolean consistent = slotConsistent(c, slot);
                if (consistent == null) {
                    createSlot(c, table, slot, java.time.Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
                    return;
                }
                if (consistent) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new CutoverException(ErrorCode.RETRIES_EXHAUSTED, "replication slot " + slot + " on " + table.endpoint().describe()
                            + " is still being created by another session after " + wait.toSeconds() + " s; it waits for transactions open"
                            + " on the server to end: " + blockers(c) + "; end them (COMMIT or ROLLBACK, or SELECT pg_terminate_backend(pid))"
                            + " and run migrate again");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CutoverException(ErrorCode.INTERRUPTED, "waiting for replication slot " + slot + " was interrupted", e);
                }
            }
        }
    }

    /** Null when there is no such slot; false while it is being created (no confirmed position yet); true when usable. */
    private static Boolean slotConsistent(Connection c, String slot) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = ?")) {
            p.setString(1, slot);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }

    private static void createSlot(Connection c, SqlTable table, String slot, java.time.Duration wait) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = " + Math.max(1, wait.toMillis()));
        }
        try (PreparedStatement create = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            create.setString(1, slot);
            create.execute();
        } catch (SQLException e) {
            if (!"57014".equals(e.getSQLState())) { // query_canceled: the statement_timeout above
                throw e;
            }
            throw new CutoverException(ErrorCode.RETRIES_EXHAUSTED, "creating replication slot " + slot + " on " + table.endpoint().describe()
                    + " waited " + wait.toSeconds() + " s for transactions open on the server to end: " + blockers(c)
                    + "; end them (COMMIT or ROLLBACK, or SELECT pg_terminate_backend(pid)) and run migrate again", e);
        } finally {
            try (Statement s = c.createStatement()) {
                s.execute("SET statement_timeout = 0");
            }
        }
    }

    /** The sessions holding a transaction open (pid, user, state, age), oldest first: what slot creation waits for. */
    static String blockers(Connection c) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pid, usename, state, date_trunc('second', now() - xact_start)::text FROM pg_stat_activity"
                     + " WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                     + " AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) ORDER BY xact_start LIMIT 5")) {
            while (rs.next()) {
                out.add("pid " + rs.getInt(1) + " (user " + rs.getString(2) + ", " + rs.getString(3) + ", transaction open for " + rs.getString(4) + ")");
            }
        }
        return out.isEmpty() ? "no session holds one now" : String.join(", ", out);
    }

    /**
     * The leaf partitions of a partitioned table, with their REPLICA IDENTITY ("d", "f", "n", "i"); empty for a
     * plain table. Partitions do not inherit the parent's REPLICA IDENTITY, and the old image of a change comes
     * from the leaf it happened in.
     */
    public static java.util.Map<String, String> partitions(Connection c, SqlTable table) throws SQLException {
        java.util.Map<String, String> leaves = new java.util.LinkedHashMap<>();
        try (PreparedStatement p = c.prepareStatement("SELECT l.oid::regclass::text, l.relreplident FROM pg_class r JOIN pg_namespace n"
                + " ON n.oid = r.relnamespace, pg_partition_tree(r.oid) t JOIN pg_class l ON l.oid = t.relid"
                + " WHERE n.nspname = ? AND r.relname = ? AND r.relkind = 'p' AND t.isleaf ORDER BY 1")) {
            p.setString(1, table.schemaName());
            p.setString(2, table.tableName());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    leaves.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return leaves;
    }

    /**
     * Gives every leaf partition REPLICA IDENTITY FULL when the partitioned parent has it (what the user asked
     * for on the parent, which partitions do not inherit); returns the partitions changed. Run at every start,
     * so that a partition attached since the last run is covered too.
     */
    public static java.util.List<String> alignPartitions(SqlTable table) {
        java.util.List<String> changed = new java.util.ArrayList<>();
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            java.util.Map<String, String> leaves = partitions(c, table);
            if (leaves.isEmpty() || table.oldImageLimit().isPresent()) {
                return changed;
            }
            for (java.util.Map.Entry<String, String> leaf : leaves.entrySet()) {
                if (!leaf.getValue().equals("f")) {
                    s.execute("ALTER TABLE " + leaf.getKey() + " REPLICA IDENTITY FULL");
                    changed.add(leaf.getKey());
                }
            }
        } catch (SQLException e) {
            throw new CutoverException(ErrorCode.UNSUPPORTED, "cannot set REPLICA IDENTITY FULL on the partitions of " + table.qualifiedName()
                    + " (" + table.failure("alter", e).getMessage() + "): run ALTER TABLE <partition> REPLICA IDENTITY FULL on each partition", e);
        }
        return changed;
    }

    /**
     * Stops a resumed migration whose slot is gone (dropped by someone, or lost in a failover without failover
     * slots): the changes since the last captured position were never retained, so resuming (and letting Debezium
     * make a new slot) would skip them silently.
     */
    public static void requireSlot(SqlTable table, String slot) {
        if (lag(table, slot).isEmpty()) {
            throw new CutoverException(ErrorCode.STREAM_GAP, "replication slot " + slot + " on " + table.endpoint().describe()
                    + " is gone (dropped, or lost in a failover), so changes to " + table.qualifiedName() + " since the last captured position"
                    + " are lost: run migrate again with --restart to copy the table afresh");
        }
    }

    /** Drops the slot (if there) and the publication (if there); returns what was dropped. */
    public static java.util.List<String> drop(SqlTable table, String slot, String publication) {
        // Both drops look first, so a retry after a lost connection finds what already went (and reports only the rest).
        // A slot still held by the walsender of a capture that has just closed (55006, object_in_use: the server ends
        // that session a moment after the client goes, later on a slow network) is waited for the same way.
        return CONNECTION_RETRY.execute("drop replication slot " + slot, attempt -> dropOnce(table, slot, publication),
                e -> !(e instanceof SQLException sql) ? new CutoverException(ErrorCode.INTERNAL, String.valueOf(e), e)
                        : "55006".equals(sql.getSQLState()) ? new CutoverException(ErrorCode.TRANSIENT, "cannot drop replication slot " + slot
                                + " on " + table.endpoint().describe() + ": it is still in use (" + sql.getMessage() + ")", sql)
                        : table.failure("drop replication slot " + slot, sql), io.cutover.core.retry.RetryListener.NONE);
    }

    private static java.util.List<String> dropOnce(SqlTable table, String slot, String publication) throws SQLException {
        java.util.List<String> dropped = new java.util.ArrayList<>();
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            try (PreparedStatement p = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                p.setString(1, slot);
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next()) {
                        dropped.add("replication slot " + slot);
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                p.setString(1, publication);
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next()) {
                        s.execute("DROP PUBLICATION " + table.quote(publication));
                        dropped.add("publication " + publication);
                    }
                }
            }
        }
        return dropped;
    }

    /** How far the slot lags behind the server's current WAL position, or empty when there is no such slot. */
    public static Optional<SlotLag> lag(SqlTable table, String slot) {
        try (Connection c = table.endpoint().connect();
             PreparedStatement p = c.prepareStatement("SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn),"
                     + " confirmed_flush_lsn::text, pg_current_wal_lsn()::text FROM pg_replication_slots WHERE slot_name = ?")) {
            p.setString(1, slot);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotLag(slot, rs.getBoolean(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
            }
        } catch (SQLException e) {
            throw table.failure("read replication slot " + slot, e);
        }
    }
}
