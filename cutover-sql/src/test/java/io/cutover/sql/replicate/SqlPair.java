package io.cutover.sql.replicate;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.MariaDbServer;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.IdentityMapping;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.SqlValues;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.cutover.sql.store.SqlStore;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A PostgreSQL table and a MariaDB table of the same shape, one column of each type pair of decision 0200's table, with
 * the version columns; the rows an application writes; a replicator of one direction run in this JVM.
 */
final class SqlPair {
    static final VersionAttribute V = VersionAttribute.DEFAULT;
    static final String TABLE = "accounts";
    static final String PG_DDL = "CREATE TABLE accounts (id bigint PRIMARY KEY, amount numeric(12,3), opened_at timestamptz, doc jsonb,"
            + " raw bytea, active boolean, big numeric(20,0), note text, ratio double precision, cutover_v text COLLATE \"C\","
            + " cutover_v_deleted boolean)";
    static final String MARIADB_DDL = "CREATE TABLE accounts (id BIGINT PRIMARY KEY, amount DECIMAL(12,3), opened_at DATETIME(6), doc JSON,"
            + " raw VARBINARY(64), active BOOLEAN, big BIGINT UNSIGNED, note VARCHAR(20) CHARACTER SET utf8mb3, ratio FLOAT,"
            + " cutover_v VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin, cutover_v_deleted BOOLEAN)";

    private SqlPair() {
    }

    static String createPostgres(EmbeddedPostgresServer pg) throws Exception {
        String uri = pg.createDatabase("app");
        pg.execute("app", PG_DDL, "ALTER TABLE accounts REPLICA IDENTITY FULL");
        return uri;
    }

    static String createMariaDb(MariaDbServer maria) throws Exception {
        String uri = maria.createDatabase("app");
        maria.execute("app", MARIADB_DDL);
        return uri;
    }

    static Mapping mapping(String uri) {
        return IdentityMapping.of(new SqlTable(SqlEndpoint.parse(uri), TABLE).schema());
    }

    /** The row of account {@code id} as an item (canonical values through the store's mapping), with {@code note}. */
    static Map<String, AttributeValue> item(SqlStore store, long id, String note) {
        Map<String, Object> row = new LinkedHashMap<>();
        store.mapper().schema().columns().keySet().forEach(c -> row.put(c, null));
        row.put("id", id);
        row.put("amount", new BigDecimal("123456789.125").add(BigDecimal.valueOf(id)));
        row.put("opened_at", Instant.parse("2026-11-02T08:00:00.123456Z").plusSeconds(id));
        row.put("doc", new SqlValues.Json("{\"b\": [1.50, true, null], \"a\": {\"n\": " + id + "}}"));
        row.put("raw", ("\u0000bytes\u00ff" + id).getBytes(StandardCharsets.ISO_8859_1));
        row.put("active", id % 2 == 0);
        row.put("big", new BigDecimal("18446744073709551615").subtract(BigDecimal.valueOf(id)));
        row.put("note", note);
        row.put("ratio", id + 0.25); // a double (PostgreSQL) that a FLOAT (MariaDB) holds exactly
        // A store's row of its own engine: the timestamp column is an instant on PostgreSQL, a DATETIME (UTC) on MariaDB.
        if (store.mapper().schema().kind("opened_at") == io.cutover.sql.mapping.ColumnKind.TIMESTAMP) {
            row.put("opened_at", java.time.LocalDateTime.ofInstant((Instant) row.get("opened_at"), java.time.ZoneOffset.UTC));
        }
        return new TreeMap<>(store.mapper().item(row));
    }

    static Map<String, AttributeValue> stamped(Map<String, AttributeValue> item, long counter, String instance) {
        return V.stamp(item, new Version(System.currentTimeMillis(), (int) counter, instance));
    }

    /** One direction: capture on {@code from}, apply into {@code into}, on its own thread until stopped. */
    static final class Replicator implements AutoCloseable {
        final Path stateDir;
        final SqlMigration migration;
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        Future<MigrationStatus> running;

        Replicator(String from, SqlStore into, Path stateDir, boolean captureOnly) {
            this.stateDir = stateDir;
            SqlMigrationSettings settings = new SqlMigrationSettings(SqlEndpoint.parse(from), TABLE, null, TABLE, mapping(from), stateDir,
                    2, 2, 500, 4, 0, false);
            migration = new SqlMigration(settings);
            migration.versionRule(Optional.of(V));
            migration.into(into);
            migration.captureOnly(captureOnly);
        }

        Replicator start() {
            running = thread.submit(() -> migration.run(null, false, CopyProgress.NONE, s -> { }));
            return this;
        }

        Optional<MigrationStatus> status() {
            if (running.isDone()) {
                try {
                    running.get();
                } catch (Exception e) {
                    throw new AssertionError("the replicator stopped", e);
                }
            }
            try {
                return SqlMigration.lastStatus(stateDir);
            } catch (RuntimeException torn) {
                return Optional.empty();
            }
        }

        boolean inSync() {
            return status().map(s -> s.phase().equals("IN_SYNC")).orElse(false);
        }

        boolean drained() {
            return status().map(s -> s.phase().equals("IN_SYNC") && s.backlog() == 0).orElse(false);
        }

        @Override
        public void close() throws Exception {
            migration.requestStop();
            if (running != null) {
                try {
                    running.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // a test that expected the failure read it already
                }
            }
            thread.shutdownNow();
            migration.close();
        }
    }

    static void waitFor(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long end = System.currentTimeMillis() + 60_000;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
