package io.cutover.sql.demo;

import io.cutover.sql.source.SqlEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The logging example (examples/integration-logs): its schema and mapping, a loader, and a writer that
 * keeps inserting, updating (including the columns the DynamoDB key is built from) and deleting rows,
 * for the demo, the benchmark and the tests.
 */
public final class IntegrationLogs {
    private static final String[] SERVICES = {"billing-api", "orders", "search", "auth", "notifications"};

    private IntegrationLogs() {
    }

    public static String resource(String name) {
        try (InputStream in = IntegrationLogs.class.getResourceAsStream("/integration-logs/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the table (PostgreSQL). */
    public static void createTable(SqlEndpoint pg) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            for (String sql : resource("schema.sql").replaceAll("(?m)^--.*$", "").split(";")) {
                if (!sql.isBlank()) {
                    s.execute(sql);
                }
            }
        }
    }

    /** Inserts {@code rows} rows in batches. */
    public static void load(SqlEndpoint pg, long rows, long seed) throws SQLException {
        Random r = new Random(seed);
        try (Connection c = pg.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(INSERT)) {
                for (long i = 0; i < rows; i++) {
                    bindInsert(s, r, Instant.parse("2026-11-01T00:00:00Z").plusMillis(i * 997));
                    s.addBatch();
                    if (i % 1000 == 999) {
                        s.executeBatch();
                        c.commit();
                    }
                }
                s.executeBatch();
                c.commit();
            }
        }
    }

    private static final String INSERT = "INSERT INTO integration_logs (service_name, application_id, correlation_id, is_success, log_timestamp,"
            + " http_status, duration_ms, message, payload, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)";

    private static void bindInsert(PreparedStatement s, Random r, Instant at) throws SQLException {
        boolean ok = r.nextInt(10) != 0;
        s.setString(1, SERVICES[r.nextInt(SERVICES.length)]);
        s.setString(2, "app-" + r.nextInt(50));
        s.setObject(3, new UUID(r.nextLong(), r.nextLong()));
        s.setBoolean(4, ok);
        s.setTimestamp(5, Timestamp.from(at));
        if (r.nextInt(7) == 0) {
            s.setNull(6, java.sql.Types.SMALLINT);
        } else {
            s.setShort(6, (short) (ok ? 200 : 500 + r.nextInt(4)));
        }
        s.setBigDecimal(7, new java.math.BigDecimal(r.nextInt(10_000_000)).movePointLeft(3));
        s.setString(8, ok ? "ok" : "upstream timeout after " + r.nextInt(30) + " s");
        s.setString(9, "{\"request\": {\"path\": \"/v1/items/" + r.nextInt(1000) + "\", \"retries\": " + r.nextInt(3)
                + "}, \"amount\": 12345678901234567890.123456789, \"flags\": [true, null, \"x\"]}");
        s.setArray(10, s.getConnection().createArrayOf("text", new String[] {"env:prod", "zone:" + r.nextInt(3)}));
    }

    /** Keeps changing the table until stopped: inserts, updates (of the key columns too) and deletes. */
    public static final class Writer implements Runnable {
        private final SqlEndpoint pg;
        private final Random random;
        private final long pauseMillis;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong writes = new AtomicLong();
        private final AtomicLong keyChanges = new AtomicLong();
        private final AtomicLong deletes = new AtomicLong();
        private volatile Exception failure;

        public Writer(SqlEndpoint pg, long seed, long pauseMillis) {
            this.pg = pg;
            this.random = new Random(seed);
            this.pauseMillis = pauseMillis;
        }

        public void stop() {
            running.set(false);
        }

        public long writes() {
            return writes.get();
        }

        public long keyChanges() {
            return keyChanges.get();
        }

        public long deletes() {
            return deletes.get();
        }

        public Exception failure() {
            return failure;
        }

        @Override
        public void run() {
            try (Connection c = pg.connect();
                 PreparedStatement insert = c.prepareStatement(INSERT);
                 PreparedStatement message = c.prepareStatement("UPDATE integration_logs SET message = ?, http_status = ? WHERE log_id = ?");
                 PreparedStatement service = c.prepareStatement("UPDATE integration_logs SET service_name = ? WHERE log_id = ?");
                 PreparedStatement time = c.prepareStatement("UPDATE integration_logs SET log_timestamp = log_timestamp + interval '1 day' WHERE log_id = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM integration_logs WHERE log_id = ?");
                 Statement max = c.createStatement()) {
                while (running.get()) {
                    long top;
                    try (var rs = max.executeQuery("SELECT coalesce(max(log_id), 1) FROM integration_logs")) {
                        rs.next();
                        top = rs.getLong(1);
                    }
                    long id = 1 + (long) (random.nextDouble() * top);
                    int op = random.nextInt(10);
                    if (op < 3) {
                        bindInsert(insert, random, Instant.now());
                        insert.executeUpdate();
                    } else if (op < 6) {
                        message.setString(1, "retried " + writes.get());
                        message.setShort(2, (short) (200 + random.nextInt(3)));
                        message.setLong(3, id);
                        message.executeUpdate();
                    } else if (op < 7) {
                        service.setString(1, SERVICES[random.nextInt(SERVICES.length)] + "-v2");
                        service.setLong(2, id);
                        keyChanges.addAndGet(service.executeUpdate());
                    } else if (op < 8) {
                        time.setLong(1, id);
                        keyChanges.addAndGet(time.executeUpdate());
                    } else {
                        delete.setLong(1, id);
                        deletes.addAndGet(delete.executeUpdate());
                    }
                    writes.incrementAndGet();
                    if (pauseMillis > 0) {
                        Thread.sleep(pauseMillis);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                failure = e;
            }
        }
    }
}
