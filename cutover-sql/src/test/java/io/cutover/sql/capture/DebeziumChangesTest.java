package io.cutover.sql.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.TableSchema;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Debezium change events, built by hand as the PostgreSQL connector emits them, become item changes. */
class DebeziumChangesTest {
    static final Schema MICRO_TS = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build();
    static final Schema ROW = SchemaBuilder.struct().name("row").field("id", Schema.INT64_SCHEMA).field("tenant", Schema.OPTIONAL_STRING_SCHEMA)
            .field("created", MICRO_TS).field("doc", SchemaBuilder.string().name("io.debezium.data.Json").optional().build())
            .field("bin", Schema.OPTIONAL_BYTES_SCHEMA).optional().build();
    static final Schema SOURCE = SchemaBuilder.struct().field("lsn", Schema.INT64_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).build();
    static final Schema ENVELOPE = SchemaBuilder.struct().field("op", Schema.STRING_SCHEMA).field("before", ROW).field("after", ROW)
            .field("source", SOURCE).build();

    static final TableSchema TABLE = new TableSchema("public.t", kinds(), List.of("id"));

    static Map<String, ColumnKind> kinds() {
        Map<String, ColumnKind> m = new LinkedHashMap<>();
        m.put("id", ColumnKind.INTEGER);
        m.put("tenant", ColumnKind.TEXT);
        m.put("created", ColumnKind.TIMESTAMP);
        m.put("doc", ColumnKind.JSON);
        m.put("bin", ColumnKind.BINARY);
        return m;
    }

    final RowMapper mapper = Mapping.fromYaml("""
            mapping:
              partitionKey: { attribute: pk, template: "${tenant}" }
              sortKey: { attribute: sk, template: "${created:yyyy-MM-dd}#${id}" }
            """, "t").bind(TABLE);

    final InMemoryChangeLog changeLog = new InMemoryChangeLog();
    final DebeziumCapture capture = new DebeziumCapture(new SqlTable(SqlEndpoint.parse("postgresql://u@h/db"), "t"), mapper,
            changeLog, new DeadLetterSink() {
                @Override
                public void accept(String table, Map<String, AttributeValue> item, String reason) {
                }

                @Override
                public long count() {
                    return 0;
                }

                @Override
                public void close() {
                }
            }, "slot", "slot_pub", 0, Path.of("target"));

    static Struct row(long id, String tenant, String doc) {
        long micros = LocalDateTime.parse("2026-11-02T10:00:00.000001").toEpochSecond(ZoneOffset.UTC) * 1_000_000L + 1;
        return new Struct(ROW).put("id", id).put("tenant", tenant).put("created", micros).put("doc", doc).put("bin", ByteBuffer.wrap(new byte[] {1}));
    }

    static Struct event(String op, Struct before, Struct after, long lsn) {
        return new Struct(ENVELOPE).put("op", op).put("before", before).put("after", after)
                .put("source", new Struct(SOURCE).put("lsn", lsn).put("ts_ms", 1_700_000_000_000L));
    }

    @Test
    void anInsertIsAPutOfTheMappedItem() {
        List<ChangeRecord> c = capture.toChanges(event("c", null, row(1, "a", "{\"x\": 1}"), 100), false, 5);
        assertEquals(1, c.size());
        assertEquals(ChangeRecord.Operation.PUT, c.get(0).operation());
        assertEquals("2026-11-02T10:00:00.000001", c.get(0).image().get("created").s());
        assertEquals("1", c.get(0).image().get("doc").m().get("x").n());
        assertEquals(Map.of("pk", AttributeValue.fromS("a"), "sk", AttributeValue.fromS("2026-11-02#1")), c.get(0).key());
        assertEquals("00000000000000000100", c.get(0).sourcePosition());
    }

    @Test
    void anUpdateThatMovesTheKeyDeletesTheOldItemFirst() {
        List<ChangeRecord> c = capture.toChanges(event("u", row(1, "a", null), row(1, "b", null), 200), false, 5);
        assertEquals(2, c.size());
        assertEquals(ChangeRecord.Operation.DELETE, c.get(0).operation());
        assertEquals(AttributeValue.fromS("a"), c.get(0).key().get("pk"));
        assertEquals(ChangeRecord.Operation.PUT, c.get(1).operation());
        assertEquals(AttributeValue.fromS("b"), c.get(1).key().get("pk"));
        assertEquals(1, capture.toChanges(event("u", row(1, "a", null), row(1, "a", "{}"), 300), false, 5).size(), "same key: one put");
    }

    @Test
    void aDeleteUsesTheOldRowAndAnUnchangedToastedValueComesFromIt() {
        List<ChangeRecord> d = capture.toChanges(event("d", row(1, "a", null), null, 400), false, 5);
        assertEquals(ChangeRecord.Operation.DELETE, d.get(0).operation());
        assertEquals(AttributeValue.fromS("2026-11-02#1"), d.get(0).key().get("sk"));
        List<ChangeRecord> u = capture.toChanges(event("u", row(1, "a", "{\"big\": true}"), row(1, "a", DebeziumValues.UNAVAILABLE), 500), false, 5);
        assertEquals(true, u.get(0).image().get("doc").m().get("big").bool());
        assertThrows(IllegalArgumentException.class, () -> capture.toChanges(event("u", null, row(1, "a", DebeziumValues.UNAVAILABLE), 600), false, 5));
    }

    @Test
    void aPrimaryKeyChangeKeepsBothHalvesInTheChangeLogAndARedeliveryIsDeduplicated() {
        // Debezium emits a primary-key UPDATE as a DELETE (with the __debezium.newkey header) and a CREATE, same LSN.
        List<ChangeRecord> delete = capture.toChanges(event("d", row(1, "a", null), null, 800), true, 5);
        List<ChangeRecord> create = capture.toChanges(event("c", null, row(2, "a", null), 800), false, 5);
        InMemoryChangeLog log = new InMemoryChangeLog();
        java.util.List<ChangeRecord> both = new java.util.ArrayList<>(delete);
        both.addAll(create);
        assertEquals(2, log.append(both, new io.cutover.core.changelog.PartitionPosition("debezium", "1", false)));
        assertEquals(0, log.append(both, new io.cutover.core.changelog.PartitionPosition("debezium", "1", false)), "a re-delivery adds nothing");
        List<ChangeRecord> kept = log.read(0, 10);
        assertEquals(ChangeRecord.Operation.DELETE, kept.get(0).operation());
        assertEquals(AttributeValue.fromS("2026-11-02#1"), kept.get(0).key().get("sk"));
        assertEquals(ChangeRecord.Operation.PUT, kept.get(1).operation());
        assertEquals(AttributeValue.fromS("2026-11-02#2"), kept.get(1).key().get("sk"));
    }

    @Test
    void onlyTheDeleteOfAPrimaryKeyChangeIsMarkedAsLeavingForANewKey() {
        org.apache.kafka.connect.source.SourceRecord plain = new org.apache.kafka.connect.source.SourceRecord(Map.of(), Map.of(), "t", null, null);
        org.apache.kafka.connect.source.SourceRecord moved = new org.apache.kafka.connect.source.SourceRecord(Map.of(), Map.of(), "t", null, null,
                null, null, null, null, new org.apache.kafka.connect.header.ConnectHeaders().addString(DebeziumCapture.NEW_KEY_HEADER, "{}"));
        assertEquals(false, DebeziumCapture.leavesForNewKey(plain));
        assertEquals(true, DebeziumCapture.leavesForNewKey(moved));
    }

    static io.debezium.engine.RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord> record(Struct event, long lsn, boolean newKey) {
        org.apache.kafka.connect.header.ConnectHeaders headers = new org.apache.kafka.connect.header.ConnectHeaders();
        if (newKey) {
            headers.addString(DebeziumCapture.NEW_KEY_HEADER, "{}");
        }
        org.apache.kafka.connect.source.SourceRecord r = new org.apache.kafka.connect.source.SourceRecord(Map.of("server", "cutover"),
                Map.of("lsn", lsn), "t", null, null, null, ENVELOPE, event, null, headers);
        return () -> r;
    }

    @Test
    void aBatchEndingInTheDeleteHalfOfAKeyChangeCommitsTheOffsetBeforeIt() throws Exception {
        List<Object> marked = new java.util.ArrayList<>();
        io.debezium.engine.DebeziumEngine.RecordCommitter<io.debezium.engine.RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord>> committer =
                new io.debezium.engine.DebeziumEngine.RecordCommitter<>() {
                    @Override
                    public void markProcessed(io.debezium.engine.RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord> r) {
                        marked.add(r.record().sourceOffset().get("lsn"));
                    }

                    @Override
                    public void markBatchFinished() {
                    }

                    @Override
                    public void markProcessed(io.debezium.engine.RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord> r,
                                              io.debezium.engine.DebeziumEngine.Offsets offsets) {
                        markProcessed(r);
                    }

                    @Override
                    public io.debezium.engine.DebeziumEngine.Offsets buildOffsets() {
                        return null;
                    }
                };

        capture.handleBatch(List.of(record(event("c", null, row(1, "a", null), 100), 100, false),
                record(event("d", row(1, "a", null), null, 200), 200, true)), committer);

        assertEquals(List.of(100L), marked, "the DELETE half is not marked processed");
        assertEquals(Map.of("lsn", 100L), capture.durableOffset());
        assertEquals(true, changeLog.positions().get(ChangeLogOffsetStore.PARTITION).lastPosition().contains("100"));
        assertEquals(2, changeLog.read(0, 10).size(), "both changes are in the log; a re-delivered DELETE is deduplicated");

        capture.handleBatch(List.of(record(event("d", row(1, "a", null), null, 200), 200, true),
                record(event("c", null, row(2, "a", null), 200), 200, false)), committer);

        assertEquals(List.of(100L, 200L, 200L), marked);
        assertEquals(3, changeLog.read(0, 10).size(), "the DELETE once, then the CREATE of the new key");
        assertEquals(ChangeRecord.Operation.PUT, changeLog.read(0, 10).get(2).operation());
    }

    @Test
    void aTruncateIsRefusedWithItsReasonNotSkipped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> capture.toChanges(event("t", null, null, 700), false, 5));
        assertEquals(true, e.getMessage().contains("TRUNCATE"), e.getMessage());
    }
}
