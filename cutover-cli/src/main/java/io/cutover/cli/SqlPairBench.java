package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.IdentityMapping;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.cutover.sql.store.SqlStore;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code cutover bench sql-sql}: PostgreSQL ⇄ MariaDB replication (docs/decisions/0200), each direction measured against a
 * baseline taken in the same run on the same servers: (a) a raw JDBC writer's batched upserts into the receiving table,
 * (b) the replicator's changes/s applied into it, capture to commit, for changes written at full speed into the other
 * engine, (c) lag (source commit to the receiving side's commit) p50/p99 with a writer at a fixed rate. PostgreSQL is
 * started embedded; MariaDB is the user's ({@code --mariadb URI}): the CLI ships no MariaDB binaries.
 */
final class SqlPairBench {
    static final String TABLE = "bench_accounts";
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    /** One direction's figures. */
    record Direction(String name, long changes, double rawPerSecond, double appliedPerSecond, double appliedToRaw, double writerPerSecond,
                     long lagP50Millis, long lagP99Millis, long lagMaxMillis, long lagMeasured) {
    }

    /** The benchmark's result. */
    record Result(List<Direction> directions) {
    }

    private SqlPairBench() {
    }

    static int run(String mariaDbUri, int changes, int writeRate, int steadySeconds, int writers, Printer p) throws Exception {
        if (mariaDbUri == null || !mariaDbUri.startsWith("mariadb://")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "bench sql-sql needs --mariadb mariadb://user:password@host:port/database"
                    + " (a server with the binlog on, ROW format, FULL row images): the CLI ships no MariaDB");
        }
        p.note(String.format(Locale.ROOT, "Benchmark sql-sql: %,d changes each way; starting PostgreSQL (embedded)...", changes));
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            String pgUri = pg.createDatabase("bench");
            Site postgres = new Site("PostgreSQL", pgUri, true);
            Site maria = new Site("MariaDB", mariaDbUri, false);
            postgres.create();
            maria.create();
            List<Direction> out = new ArrayList<>();
            out.add(direction(postgres, maria, changes, writeRate, steadySeconds, writers, p));
            out.add(direction(maria, postgres, changes, writeRate, steadySeconds, writers, p));
            maria.drop();
            p.result(new Result(out), r -> {
                StringBuilder b = new StringBuilder();
                for (Direction d : r.directions()) {
                    b.append(String.format(Locale.ROOT, "Result %s: applied %,.0f changes/s = %.0f%% of a raw JDBC batch writer (%,.0f rows/s);"
                                    + " lag p50 %d ms, p99 %d ms at %,.0f changes/s%n", d.name(), d.appliedPerSecond(), 100 * d.appliedToRaw(),
                            d.rawPerSecond(), d.lagP50Millis(), d.lagP99Millis(), d.writerPerSecond()));
                }
                return b.append("(shared machine: figures are noisy)\n").toString();
            });
            return 0;
        }
    }

    private static Direction direction(Site from, Site into, int changes, int writeRate, int steadySeconds, int writers, Printer p)
            throws Exception {
        String name = from.name + " -> " + into.name;
        from.truncate();
        into.truncate();
        // (a) the baseline: the same rows, raw, into the receiving table (a warm-up pass first).
        into.upsert(1, 2_000, "warm-up");
        into.truncate();
        long r0 = System.nanoTime();
        into.upsert(1, changes, "raw");
        double raw = changes / ((System.nanoTime() - r0) / 1e9);
        p.note(String.format(Locale.ROOT, "%s: raw JDBC batch upserts into %s: %,.0f rows/s", name, into.name, raw));
        into.truncate();

        java.nio.file.Path state = java.nio.file.Files.createTempDirectory("cutover-bench-sql-sql");
        SqlMigrationSettings settings = new SqlMigrationSettings(SqlEndpoint.parse(from.uri), TABLE, null, TABLE,
                IdentityMapping.of(new SqlTable(SqlEndpoint.parse(from.uri), TABLE).schema()), state, 1, 1, 1000, writers, 0, true);
        AtomicLong applied = new AtomicLong();
        AtomicLong measuring = new AtomicLong(Long.MAX_VALUE);
        ConcurrentLinkedQueue<Long> lags = new ConcurrentLinkedQueue<>();
        double appliedRate;
        double writerRate;
        try (SqlStore sink = new SqlStore(SqlEndpoint.parse(into.uri), TABLE, IdentityMapping.of(new SqlTable(SqlEndpoint.parse(into.uri),
                TABLE).schema()), V); SqlMigration m = new SqlMigration(settings)) {
            m.into(sink);
            m.captureOnly(true);
            m.versionRule(Optional.of(V));
            m.onApplied((c, at) -> {
                applied.incrementAndGet();
                if (c.sourceTimeMillis() >= measuring.get()) {
                    lags.add(at - c.sourceTimeMillis());
                }
            });
            java.util.concurrent.atomic.AtomicReference<io.cutover.core.result.MigrationStatus> latest = new java.util.concurrent.atomic.AtomicReference<>();
            CompletableFuture<?> running = CompletableFuture.runAsync(() -> m.run(null, false, CopyProgress.NONE, latest::set));
            long deadline = System.currentTimeMillis() + 120_000;
            while ((latest.get() == null || !latest.get().phase().equals("IN_SYNC")) && System.currentTimeMillis() < deadline) {
                if (running.isDone()) {
                    running.join();
                }
                Thread.sleep(50);
            }
            // (b) changes/s applied: written at full speed on the other engine, timed until the last is applied.
            long a0 = System.nanoTime();
            from.upsert(1, changes, "replicated");
            while (applied.get() < changes) {
                if (running.isDone()) {
                    running.join();
                }
                Thread.sleep(5);
            }
            appliedRate = changes / ((System.nanoTime() - a0) / 1e9);
            p.note(String.format(Locale.ROOT, "%s: %,d changes applied into %s at %,.0f changes/s (%.0f%% of raw)", name, changes, into.name,
                    appliedRate, 100 * appliedRate / raw));
            // (c) lag with a writer at a fixed rate.
            measuring.set(System.currentTimeMillis() + 1_000);
            long w0 = System.nanoTime();
            long written = from.paced(writeRate, steadySeconds, changes);
            writerRate = written / ((System.nanoTime() - w0) / 1e9);
            Thread.sleep(2_000);
            m.requestStop();
            running.join();
        }
        List<Long> sorted = new ArrayList<>(lags);
        sorted.sort(null);
        long p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
        long p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
        long max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
        p.note(String.format(Locale.ROOT, "%s: writer %,.0f changes/s for %d s; lag source commit -> %s commit p50 %d ms, p99 %d ms, max %d ms"
                + " over %,d changes", name, writerRate, steadySeconds, into.name, p50, p99, max, sorted.size()));
        return new Direction(name, changes, raw, appliedRate, appliedRate / raw, writerRate, p50, p99, max, sorted.size());
    }

    /** One engine's bench table and its raw writer. */
    private static final class Site {
        final String name;
        final String uri;
        final boolean postgres;
        private final AtomicLong counter = new AtomicLong();

        Site(String name, String uri, boolean postgres) {
            this.name = name;
            this.uri = uri;
            this.postgres = postgres;
        }

        Connection connect() {
            return SqlEndpoint.parse(uri).connect();
        }

        void create() throws SQLException {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + TABLE);
                s.execute(postgres ? "CREATE TABLE " + TABLE + " (id bigint PRIMARY KEY, amount numeric(12,3), opened_at timestamptz, doc jsonb,"
                        + " raw bytea, active boolean, big numeric(20,0), note text, cutover_v text COLLATE \"C\", cutover_v_deleted boolean)"
                        : "CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, amount DECIMAL(12,3), opened_at DATETIME(6), doc JSON, raw"
                        + " VARBINARY(64), active BOOLEAN, big BIGINT UNSIGNED, note VARCHAR(200), cutover_v VARCHAR(160) CHARACTER SET ascii"
                        + " COLLATE ascii_bin, cutover_v_deleted BOOLEAN)");
                if (postgres) {
                    s.execute("ALTER TABLE " + TABLE + " REPLICA IDENTITY FULL");
                }
            }
        }

        void truncate() throws SQLException {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute((postgres ? "TRUNCATE " : "DELETE FROM ") + TABLE);
            }
        }

        void drop() throws SQLException {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + TABLE);
            }
        }

        private String upsertSql() {
            String cols = "(id, amount, opened_at, doc, raw, active, big, note, cutover_v, cutover_v_deleted)";
            return postgres ? "INSERT INTO " + TABLE + " " + cols + " VALUES (?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
                    + " SET note = EXCLUDED.note, amount = EXCLUDED.amount, cutover_v = EXCLUDED.cutover_v"
                    : "INSERT INTO " + TABLE + " " + cols + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE note = VALUES(note),"
                    + " amount = VALUES(amount), cutover_v = VALUES(cutover_v)";
        }

        private void bind(PreparedStatement s, long id, String note) throws SQLException {
            Instant at = Instant.parse("2026-11-02T08:00:00.123456Z").plusSeconds(id);
            s.setLong(1, id);
            s.setBigDecimal(2, new BigDecimal("1234.125").add(BigDecimal.valueOf(id % 1000)));
            if (postgres) {
                s.setObject(3, at.atOffset(ZoneOffset.UTC));
            } else {
                s.setObject(3, LocalDateTime.ofInstant(at, ZoneOffset.UTC));
            }
            s.setString(4, "{\"n\": " + id + ", \"tags\": [\"a\", 1.5]}");
            s.setBytes(5, new byte[] {0, 1, 2, (byte) (id & 0xff)});
            s.setBoolean(6, id % 2 == 0);
            s.setBigDecimal(7, new BigDecimal("18446744073709551615").subtract(BigDecimal.valueOf(id)));
            s.setString(8, note + " " + id);
            s.setString(9, new Version(System.currentTimeMillis(), (int) (counter.incrementAndGet() % Version.MAX_COUNTER), "bench-" + name)
                    .encoded());
            s.setBoolean(10, false);
        }

        /** Rows {@code first} to {@code first + n - 1}, upserted in batches of 500 rows, one transaction each. */
        void upsert(long first, int n, String note) throws SQLException {
            try (Connection c = connect(); PreparedStatement s = c.prepareStatement(upsertSql())) {
                c.setAutoCommit(false);
                for (long id = first; id < first + n; id++) {
                    bind(s, id, note);
                    s.addBatch();
                    if ((id - first + 1) % 500 == 0) {
                        s.executeBatch();
                        c.commit();
                    }
                }
                s.executeBatch();
                c.commit();
            }
        }

        /** One row upserted per transaction at {@code rate} a second for {@code seconds}, over keys 1..keys; returns the writes. */
        long paced(int rate, int seconds, int keys) throws Exception {
            long written = 0;
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            try (Connection c = connect(); PreparedStatement s = c.prepareStatement(upsertSql())) {
                while (System.nanoTime() < end) {
                    bind(s, 1 + written % keys, "paced");
                    s.executeUpdate();
                    written++;
                    long due = start + written * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            }
            return written;
        }
    }
}
