package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** MariaDB (binlog) to DynamoDB: every common type, key-column updates and deletes while the migration runs. */
class MariaDbMigrationIT {
    static MariaDbServer maria;
    static LocalDynamoDb dynamo;
    static DynamoDbClient client;

    @TempDir
    Path state;

    @BeforeAll
    static void start() throws Exception {
        maria = MariaDbServer.start();
        dynamo = LocalTables.shared();
        client = LocalTables.client(dynamo);
    }

    @AfterAll
    static void stop() throws Exception {
        maria.close();
    }

    static final String TABLE = "CREATE TABLE events (id BIGINT PRIMARY KEY, tenant VARCHAR(40) NOT NULL, small SMALLINT, flag TINYINT(1),"
            + " amount DECIMAL(38,10), ratio DOUBLE, score FLOAT, created DATETIME(6) NOT NULL, seen TIMESTAMP(3) NULL, day DATE, at TIME(6),"
            + " doc JSON, blob_col BLOB, label CHAR(5), note TEXT)";

    static void insert(Connection c, long id, String tenant) throws Exception {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO events VALUES (?, ?, 7, 1, 12345678901234567890123456.1234567891, 0.1,"
                + " 1.5, '2026-11-02 10:15:30.123456', '2026-11-02 10:15:30.123', '2026-11-02', '10:15:30.5', '{\"a\": [1, 2.50, {\"b\": null}]}',"
                + " X'00FF10', 'ab', NULL)")) {
            s.setLong(1, id);
            s.setString(2, tenant);
            s.executeUpdate();
        }
    }

    @Test
    void everyTypeKeyUpdatesAndDeletesWhileMigratingEndIdentical() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(maria.createDatabase("shop"));
        maria.execute("shop", TABLE);
        try (Connection c = maria.connect("shop")) {
            for (long i = 1; i <= 500; i++) {
                insert(c, i, "t" + (i % 7));
            }
        }
        Mapping mapping = Mapping.fromYaml("""
                mapping:
                  partitionKey: { attribute: pk, template: "TENANT#${tenant:upper}" }
                  sortKey: { attribute: sk, template: "${created:yyyy-MM-dd}#${id:%010d}" }
                  computed:
                    - { attribute: ttl, template: "${created:epoch+30d}", type: N }
                  ttl: ttl
                """, "test");
        String target = LocalTables.uniqueName("events");
        SqlMigrationSettings settings = new SqlMigrationSettings(source, "events", DynamoDbEndpoint.local("target", dynamo.endpoint()), target,
                mapping, state, 3, 3, 100, 8, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(1);
        MigrationStatus done;
        try (SqlMigration migration = new SqlMigration(settings); Connection c = maria.connect("shop")) {
            Future<MigrationStatus> run = pool.submit(() -> migration.run("drained", true, CopyProgress.NONE, s -> { }));
            long end = System.currentTimeMillis() + 120_000;
            while (!SqlMigration.load(state).map(s -> !s.phase().equals("CAPTURE")).orElse(false) && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            for (long i = 501; i <= 600; i++) {
                insert(c, i, "t" + (i % 7));
            }
            try (var s = c.createStatement()) {
                s.executeUpdate("UPDATE events SET tenant = 'moved' WHERE id BETWEEN 10 AND 29");       // key changes
                s.executeUpdate("UPDATE events SET created = created + INTERVAL 1 DAY WHERE id BETWEEN 30 AND 39");
                s.executeUpdate("UPDATE events SET note = 'edited', amount = -0.0000000001 WHERE id BETWEEN 40 AND 59");
                s.executeUpdate("DELETE FROM events WHERE id BETWEEN 60 AND 79");
                s.executeUpdate("DELETE FROM events WHERE id BETWEEN 520 AND 529");                   // inserted during the copy
            }
            done = run.get(180, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.deadLettered());
        SqlTable table = new SqlTable(source, "events");
        RowMapper mapper = mapping.bind(table.schema());
        VerifyResult result = PostgresMigrationIT.verify(table, mapper, target, state, dynamo, client).result();
        assertTrue(result.identical(), "identical: " + result);
        assertEquals(570, result.targetItems());

        Map<String, AttributeValue> moved = client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("TENANT#MOVED"),
                "sk", AttributeValue.fromS("2026-11-02#0000000010")))).item();
        assertEquals("moved", moved.get("tenant").s());
        assertTrue(client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("TENANT#T3"),
                "sk", AttributeValue.fromS("2026-11-02#0000000010")))).item().isEmpty(), "the old key of a moved row is gone");
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("TENANT#T2"),
                "sk", AttributeValue.fromS("2026-11-02#0000000100")))).item();
        assertEquals("100", item.get("id").n());
        assertEquals("7", item.get("small").n());
        assertTrue(item.get("flag").bool(), "TINYINT(1) is BOOL");
        assertEquals("12345678901234567890123456.1234567891", item.get("amount").n());
        assertEquals("0.1", item.get("ratio").n());
        assertEquals("1.5", item.get("score").n());
        assertEquals("2026-11-02T10:15:30.123456", item.get("created").s());
        assertEquals("2026-11-02T10:15:30.123Z", item.get("seen").s());
        assertEquals("2026-11-02", item.get("day").s());
        assertEquals("10:15:30.5", item.get("at").s());
        assertEquals("2.5", item.get("doc").m().get("a").l().get(1).n());
        assertTrue(item.get("doc").m().get("a").l().get(2).m().get("b").nul());
        assertEquals(3, item.get("blob_col").b().asByteArray().length);
        assertEquals("ab", item.get("label").s());
        assertTrue(item.get("note").nul(), "NULL kept as NULL");
        assertEquals(Long.toString(java.time.Instant.parse("2026-12-02T10:15:30.123456Z").getEpochSecond()), item.get("ttl").n());
    }
}
