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

    public static void create(SqlTable table, String slot, String publication) {
        try (Connection c = table.endpoint().connect(); Statement s = c.createStatement()) {
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                p.setString(1, publication);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        s.execute("CREATE PUBLICATION " + table.quote(publication) + " FOR TABLE " + table.sqlName());
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
                p.setString(1, slot);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        try (PreparedStatement create = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                            create.setString(1, slot);
                            create.execute();
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new CutoverException(ErrorCode.UNSUPPORTED, "cannot create replication slot " + slot + " and publication " + publication + " on "
                    + table.endpoint().describe() + " (" + table.failure("create", e).getMessage() + "); the user needs the REPLICATION"
                    + " attribute and ownership of the table, and the server max_replication_slots > slots in use", e);
        }
    }

    /** Drops the slot (if there) and the publication (if there); returns what was dropped. */
    public static java.util.List<String> drop(SqlTable table, String slot, String publication) {
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
        } catch (SQLException e) {
            throw table.failure("drop replication slot " + slot, e);
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
