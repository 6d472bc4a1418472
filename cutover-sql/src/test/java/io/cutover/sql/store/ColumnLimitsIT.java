package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.MariaDbServer;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.IdentityMapping;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The exact-or-refused checks of floating-point precision and character sets (docs/decisions/0260) against the real
 * servers: through a {@link SqlStore} (the writer every path into SQL goes through), a double a FLOAT/real column would
 * round, a number with more digits than a double keeps, and a string with a character the column's character set (MariaDB)
 * or the database's encoding (PostgreSQL) lacks are refused naming the column and the fix, and nothing is written; what the
 * columns hold is stored and read back unchanged. On MariaDB outside strict mode, the same string written by plain JDBC
 * comes back changed: what the check keeps from happening.
 */
class ColumnLimitsIT {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;
    private static final String SMILE = "smile \ud83d\ude00";

    @Test
    void mariaDbRefusesWhatAFloatWouldRoundAndWhatACharacterSetLacks() throws Exception {
        try (MariaDbServer maria = MariaDbServer.start()) {
            maria.execute("mysql", "SET GLOBAL sql_mode = ''"); // not strict: MariaDB stores '?' for a character it cannot hold
            SqlEndpoint endpoint = SqlEndpoint.parse(maria.createDatabase("limits"));
            maria.execute("limits", "CREATE TABLE samples (id BIGINT PRIMARY KEY, f FLOAT, d DOUBLE, n3 VARCHAR(40) CHARACTER SET utf8mb3,"
                    + " l1 VARCHAR(40) CHARACTER SET latin1, u4 VARCHAR(40) CHARACTER SET utf8mb4, cutover_v VARCHAR(160) CHARACTER SET"
                    + " ascii COLLATE ascii_bin, cutover_v_deleted BOOLEAN)");
            try (SqlStore store = store(endpoint)) {
                Map<String, AttributeValue> held = item(store, 1, Map.of("f", 0.1, "d", 0.1, "n3", "d\u00e9j\u00e0 \u20ac",
                        "l1", "caf\u00e9 \u20ac", "u4", SMILE));
                assertTrue(store.putIfNewer(stamped(held), V));
                Map<String, AttributeValue> read = V.visible(store.get(store.keyOf(held)).orElseThrow()).orElseThrow();
                assertEquals(held, read, "every value the columns hold comes back unchanged");

                refused(store, item(store, 2, Map.of("f", 0.123456789)), "column f (float) of samples cannot hold 0.123456789 exactly:"
                        + " a single-precision float keeps about 7 significant digits: it would be stored as 0.12345679; make the column DOUBLE");
                Map<String, AttributeValue> precise = item(store, 3, Map.of());
                precise.put("d", AttributeValue.fromN("0.1234567890123456789"));
                refused(store, precise, "column d (double) of samples cannot hold 0.1234567890123456789 exactly: a double keeps about 16"
                        + " significant digits: it would be stored as 0.12345678901234568; make the column DECIMAL(p,s)");
                refused(store, item(store, 4, Map.of("n3", SMILE)), "column n3 (varchar(40)) of samples cannot hold " + SMILE + " exactly:"
                        + " character 7 (U+1F600) is not in the column's character set utf8mb3 (MariaDB would store '?' or refuse the row);"
                        + " convert the column to a character set that holds it (utf8mb4");
                refused(store, item(store, 5, Map.of("l1", "\u03a9mega")), "character 1 (U+03A9) is not in the column's character set latin1");
            }
            try (Connection c = maria.connect("limits")) {
                try (java.sql.Statement s = c.createStatement()) { // the driver adds STRICT_TRANS_TABLES to the session; a client may not
                    s.execute("SET SESSION sql_mode = ''");
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO samples (id, n3) VALUES (9, ?)")) {
                    p.setString(1, SMILE);
                    p.executeUpdate();
                }
                try (PreparedStatement p = c.prepareStatement("SELECT n3 FROM samples WHERE id = 9"); ResultSet rs = p.executeQuery()) {
                    assertTrue(rs.next());
                    assertNotEquals(SMILE, rs.getString(1), "without the check, a plain write changes the value: " + rs.getString(1));
                }
            }
        }
    }

    @Test
    void postgresqlRefusesWhatARealWouldRoundAndWhatTheDatabaseEncodingLacks() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            pg.execute("postgres", "CREATE DATABASE latin ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
            SqlEndpoint endpoint = SqlEndpoint.parse(pg.uri("latin"));
            pg.execute("latin", "CREATE TABLE samples (id bigint PRIMARY KEY, r real, d double precision, t text, j jsonb,"
                    + " cutover_v text COLLATE \"C\", cutover_v_deleted boolean)");
            try (SqlStore store = store(endpoint)) {
                Map<String, AttributeValue> held = item(store, 1, Map.of("r", 0.1, "d", 0.123456789012, "t", "caf\u00e9",
                        "j", new SqlValues.Json("{\"a\": \"\u00e9\", \"n\": 1.5}")));
                assertTrue(store.putIfNewer(stamped(held), V));
                assertEquals(held, V.visible(store.get(store.keyOf(held)).orElseThrow()).orElseThrow(), "held values come back unchanged");

                refused(store, item(store, 2, Map.of("r", 0.123456789)), "column r (real) of samples cannot hold 0.123456789 exactly: a"
                        + " single-precision real keeps about 7 significant digits: it would be stored as 0.12345679; make the column double"
                        + " precision");
                refused(store, item(store, 3, Map.of("t", "\u20ac 5")), "column t (text) of samples cannot hold \u20ac 5 exactly: character 1"
                        + " (U+20AC) is not in the database's encoding LATIN1; move the table to a database whose encoding holds it");
                refused(store, item(store, 4, Map.of("t", "a\u0000b")), "character 2 is U+0000, which PostgreSQL text never holds");
                refused(store, item(store, 5, Map.of("j", new SqlValues.Json("{\"a\": \"" + SMILE + "\"}"))), "column j (jsonb) of samples"
                        + " cannot hold");
            }
        }
    }

    private static SqlStore store(SqlEndpoint endpoint) {
        return new SqlStore(endpoint, "samples", IdentityMapping.of(new SqlTable(endpoint, "samples").schema()), V);
    }

    /** The item of row {@code id} with {@code values} (canonical values) and NULL elsewhere. */
    private static Map<String, AttributeValue> item(SqlStore store, long id, Map<String, Object> values) {
        Map<String, Object> row = new LinkedHashMap<>();
        store.mapper().schema().columns().keySet().forEach(c -> row.put(c, null));
        row.put("id", id);
        row.putAll(values);
        Map<String, AttributeValue> item = new TreeMap<>(store.mapper().item(row));
        item.keySet().removeAll(java.util.List.of(V.name(), V.tombstone())); // stamped when written, not part of what is read back
        return item;
    }

    private static Map<String, AttributeValue> stamped(Map<String, AttributeValue> item) {
        return V.stamp(item, new HybridClock("limits-it").next());
    }

    /** The write is refused with a message that starts with or holds {@code expected}, and the row is not there. */
    private static void refused(SqlStore store, Map<String, AttributeValue> item, String expected) {
        CutoverException e = assertThrows(CutoverException.class, () -> store.putIfNewer(stamped(item), V));
        assertEquals(ErrorCode.REJECTED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(Optional.empty(), store.get(store.keyOf(item)), "nothing written");
    }
}
