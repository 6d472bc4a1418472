package io.cutover.sql.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.ErrorCode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class MappingTest {
    static final TableSchema LOGS = new TableSchema("public.integration_logs", kinds(
            "log_id", ColumnKind.INTEGER, "service_name", ColumnKind.TEXT, "application_id", ColumnKind.TEXT, "is_success", ColumnKind.BOOLEAN,
            "log_timestamp", ColumnKind.TIMESTAMPTZ, "payload", ColumnKind.JSON, "amount", ColumnKind.DECIMAL, "local_ts", ColumnKind.TIMESTAMP),
            List.of("log_id"));

    static Map<String, ColumnKind> kinds(Object... pairs) {
        Map<String, ColumnKind> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (ColumnKind) pairs[i + 1]);
        }
        return m;
    }

    static final String LOGGING = """
            mapping:
              partitionKey: { attribute: PK, template: "${service_name}-${log_timestamp:yyyy-MM-dd}" }
              sortKey: { attribute: SK, template: "${log_timestamp}#${log_id}" }
              attributes:
                rename: { log_id: LogId }
                exclude: [local_ts]
              nulls: drop
              computed:
                - { attribute: ExpiresAt, template: "${log_timestamp:epoch+90d}", type: N }
              ttl: ExpiresAt
              indexes:
                - name: GSI1
                  partitionKey: { attribute: GSI1PK, template: "APP#${application_id}" }
                - name: GSI3
                  partitionKey: { attribute: GSI3PK, template: "ERROR#${is_success}#${log_timestamp:yyyy-MM-dd}" }
                  projection: KEYS_ONLY
            """;

    static Map<String, Object> row() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("log_id", 42L);
        r.put("service_name", "billing-api");
        r.put("application_id", "app-7");
        r.put("is_success", false);
        r.put("log_timestamp", Instant.parse("2026-11-02T23:59:59.123456Z"));
        r.put("payload", new SqlValues.Json("{\"n\": 12345678901234567890123456789012345678, \"x\": [1, \"a\", null]}"));
        r.put("amount", new BigDecimal("1.5000000000"));
        r.put("local_ts", LocalDateTime.parse("2026-11-02T10:00"));
        return r;
    }

    @Test
    void theLoggingExampleMapsARow() {
        RowMapper m = Mapping.fromYaml(LOGGING, "test").bind(LOGS);
        Map<String, AttributeValue> item = m.item(row());
        assertEquals("billing-api-2026-11-02", item.get("PK").s());
        assertEquals("2026-11-02T23:59:59.123456Z#42", item.get("SK").s());
        assertEquals("APP#app-7", item.get("GSI1PK").s());
        assertEquals("ERROR#false#2026-11-02", item.get("GSI3PK").s());
        assertEquals(Long.toString(Instant.parse("2026-11-02T23:59:59Z").plusSeconds(90L * 86400).getEpochSecond()), item.get("ExpiresAt").n());
        assertEquals("42", item.get("LogId").n());
        assertFalse(item.containsKey("log_id"));
        assertFalse(item.containsKey("local_ts"), "excluded");
        assertEquals("1.5", item.get("amount").n());
        assertEquals("12345678901234567890123456789012345678", item.get("payload").m().get("n").n());
        assertTrue(item.get("payload").m().get("x").l().get(2).nul());
        assertEquals(List.of("PK", "SK"), m.keyAttributeNames());
    }

    @Test
    void nullsAreKeptOrDroppedAndANullIndexKeyLeavesTheItemOutOfTheIndex() {
        Map<String, Object> r = row();
        r.put("application_id", null);
        Map<String, AttributeValue> dropped = Mapping.fromYaml(LOGGING, "t").bind(LOGS).item(r);
        assertFalse(dropped.containsKey("application_id"));
        assertFalse(dropped.containsKey("GSI1PK"));
        Map<String, AttributeValue> kept = Mapping.fromYaml(LOGGING.replace("nulls: drop", "nulls: keep"), "t").bind(LOGS).item(r);
        assertTrue(kept.get("application_id").nul());
    }

    @Test
    void aNullKeyColumnMakesTheRowUnmappableWithTheReason() {
        Map<String, Object> r = row();
        r.put("service_name", null);
        RowMapper m = Mapping.fromYaml(LOGGING, "t").bind(LOGS);
        UnmappableRowException e = assertThrows(UnmappableRowException.class, () -> m.item(r));
        assertTrue(e.getMessage().contains("service_name"), e.getMessage());
    }

    @Test
    void formatters() {
        LocalDateTime t = LocalDateTime.parse("2026-01-05T07:08:09.5");
        assertEquals("2026/01", KeyTemplate.format(t, ColumnKind.TIMESTAMP, "yyyy/MM"));
        assertEquals(Long.toString(t.toInstant(java.time.ZoneOffset.UTC).getEpochSecond()), KeyTemplate.format(t, ColumnKind.TIMESTAMP, "epoch"));
        assertEquals(Long.toString(t.toInstant(java.time.ZoneOffset.UTC).toEpochMilli()), KeyTemplate.format(t, ColumnKind.TIMESTAMP, "epoch-ms"));
        assertEquals(Long.toString(t.toInstant(java.time.ZoneOffset.UTC).getEpochSecond() - 3600), KeyTemplate.format(t, ColumnKind.TIMESTAMP, "epoch-1h"));
        assertEquals("00000042", KeyTemplate.format(42L, ColumnKind.INTEGER, "%08d"));
        assertEquals("ABC", KeyTemplate.format("aBc", ColumnKind.TEXT, "upper"));
        assertEquals("abc", KeyTemplate.format("aBc", ColumnKind.TEXT, "lower"));
        assertEquals("2026-01-05", KeyTemplate.format(LocalDate.parse("2026-01-05"), ColumnKind.DATE, null));
        assertEquals("2026-01-05T07:08:09.500000", KeyTemplate.format(t, ColumnKind.TIMESTAMP, "iso"));
    }

    @Test
    void anIndexKeyThatRendersEmptyLeavesTheItemOutOfTheIndexAndAnEmptyTableKeyIsRefused() {
        TableSchema t = new TableSchema("public.t", kinds("id", ColumnKind.TEXT, "tag", ColumnKind.TEXT, "at", ColumnKind.TEXT), List.of("id"));
        RowMapper m = Mapping.fromYaml("""
                mapping:
                  partitionKey: { attribute: pk, template: "${id}" }
                  indexes:
                    - name: byTag
                      partitionKey: { attribute: tag_pk, template: "${tag}" }
                      sortKey: { attribute: tag_sk, template: "${at}" }
                """, "t").bind(t);
        Map<String, Object> row = new LinkedHashMap<>(Map.of("id", "a", "tag", "", "at", "x"));
        Map<String, AttributeValue> item = m.item(row);
        assertFalse(item.containsKey("tag_pk") || item.containsKey("tag_sk"), "not indexed: " + item);
        assertEquals("", item.get("tag").s(), "the column itself keeps its empty value");
        row.put("tag", "red");
        row.put("at", "");
        assertFalse(m.item(row).containsKey("tag_pk"), "an empty index sort key leaves the partition key out too");
        row.put("at", "x");
        assertEquals("red", m.item(row).get("tag_pk").s());
        row.put("id", "");
        UnmappableRowException e = assertThrows(UnmappableRowException.class, () -> m.item(row));
        assertTrue(e.getMessage().contains("pk") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void timesInKeysHaveAFixedWidthSoTheySortInTimeOrder() {
        List<Instant> inOrder = List.of(Instant.parse("2026-11-02T10:00:00Z"), Instant.parse("2026-11-02T10:00:00.000001Z"),
                Instant.parse("2026-11-02T10:00:00.5Z"), Instant.parse("2026-11-02T10:00:01Z"), Instant.parse("2026-11-02T10:00:01.120Z"));
        List<String> rendered = new java.util.ArrayList<>();
        for (Instant i : inOrder) {
            rendered.add(KeyTemplate.format(i, ColumnKind.TIMESTAMPTZ, null));
        }
        List<String> sorted = new java.util.ArrayList<>(rendered);
        java.util.Collections.sort(sorted);
        assertEquals(rendered, sorted, "text order is time order");
        assertEquals("2026-11-02T10:00:00.000000Z", rendered.get(0));
        assertEquals("2026-11-02T10:00:00.500000Z", KeyTemplate.format(Instant.parse("2026-11-02T10:00:00.5Z"), ColumnKind.TIMESTAMPTZ, "iso"));
        assertEquals("2026-11-02T10:00:00.000000", KeyTemplate.format(LocalDateTime.parse("2026-11-02T10:00"), ColumnKind.TIMESTAMP, null));
        assertEquals("23:59:59.100000", KeyTemplate.format(java.time.LocalTime.parse("23:59:59.1"), ColumnKind.TIME, null));
        Map<String, String> back = KeyTemplate.parse("${at}#${id}", "k").parseBack("2026-11-02T10:00:00.500000Z#7");
        assertEquals(Instant.parse("2026-11-02T10:00:00.5Z"), SqlValues.canonical(back.get("at"), ColumnKind.TIMESTAMPTZ), "read back exactly");
    }

    @Test
    void keysAreReadBackForLookups() {
        RowMapper m = Mapping.fromYaml(LOGGING, "t").bind(LOGS);
        Map<String, AttributeValue> key = m.key(row());
        assertTrue(m.canReadBackPrimaryKey());
        assertEquals(Map.of("log_id", 42L), m.primaryKeyOf(key));
        assertEquals(null, m.primaryKeyOf(Map.of("PK", AttributeValue.fromS("x"), "SK", AttributeValue.fromS("no hash here"))));
    }

    static String refusal(String yaml, TableSchema schema) {
        MappingException e = assertThrows(MappingException.class, () -> Mapping.fromYaml(yaml, "m.yaml").bind(schema));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        return e.getMessage();
    }

    @Test
    void unknownColumnsAreRefusedWithTheColumnsThereAre() {
        String m = refusal(LOGGING.replace("${application_id}", "${app}"), LOGS);
        assertTrue(m.contains("mapping.indexes[0].partitionKey.template uses column app") && m.contains("log_id"), m);
        assertTrue(refusal(LOGGING.replace("exclude: [local_ts]", "exclude: [nope]"), LOGS).contains("mapping.attributes.exclude uses column nope"));
    }

    @Test
    void aKeyWithoutThePrimaryKeyIsRefused() {
        String m = refusal(LOGGING.replace("${log_timestamp}#${log_id}", "${log_timestamp}"), LOGS);
        assertTrue(m.contains("[log_id]") && m.contains("same item") && m.contains("${log_id}"), m);
    }

    @Test
    void badFormattersTypesAndNamesAreRefused() {
        assertTrue(refusal(LOGGING.replace("${service_name}-", "${service_name:yyyy}-"), LOGS).contains("needs a date or time column"));
        assertTrue(refusal(LOGGING.replace("${log_id}\" }", "${log_id:{x}\" }"), LOGS).contains("neither a date pattern"));
        assertTrue(refusal(LOGGING.replace("${log_timestamp:epoch+90d}\", type: N", "x${log_timestamp:epoch}\", type: N"), LOGS)
                .contains("has text around its placeholder"));
        assertTrue(refusal(LOGGING.replace("APP#${application_id}", "${payload}"), LOGS).contains("JSON columns cannot be part of a key"));
        assertTrue(refusal(LOGGING.replace("attribute: GSI1PK", "attribute: PK"), LOGS).contains("defined twice"));
        assertTrue(refusal(LOGGING.replace("ttl: ExpiresAt", "ttl: Nope"), LOGS).contains("computed attribute of type N"));
        assertTrue(refusal(LOGGING.replace("nulls: drop", "nulls: maybe"), LOGS).contains("keep"));
        assertTrue(refusal(LOGGING.replace("  nulls: drop", "  colour: red"), LOGS).contains("mapping.colour is not a mapping key"));
        assertTrue(refusal(LOGGING.replace("rename: { log_id: LogId }", "rename: { log_id: service_name }"), LOGS).contains("both become attribute"));
        assertTrue(refusal(LOGGING.replace("projection: KEYS_ONLY", "projection: SOME"), LOGS).contains("ALL, KEYS_ONLY or INCLUDE"));
        assertTrue(refusal(LOGGING, new TableSchema("t", LOGS.columns(), List.of())).contains("no primary key"));
    }

    @Test
    void columnKindsFromSqlTypes() {
        assertEquals(ColumnKind.INTEGER, ColumnKind.fromSqlType("int8", false));
        assertEquals(ColumnKind.TEXT, ColumnKind.fromSqlType("interval", false));
        assertEquals(ColumnKind.BOOLEAN, ColumnKind.fromSqlType("tinyint(1)", true));
        assertEquals(ColumnKind.INTEGER, ColumnKind.fromSqlType("tinyint(4)", true));
        assertEquals(ColumnKind.TIMESTAMPTZ, ColumnKind.fromSqlType("timestamp(3)", true));
        assertEquals(ColumnKind.TIMESTAMP, ColumnKind.fromSqlType("timestamp", false));
        assertEquals(ColumnKind.TIMESTAMPTZ, ColumnKind.fromSqlType("timestamptz", false));
        assertEquals(ColumnKind.TIMESTAMP, ColumnKind.fromSqlType("datetime(6)", true));
        assertEquals(ColumnKind.ARRAY, ColumnKind.fromSqlType("_int4", false));
        assertEquals(ColumnKind.BINARY, ColumnKind.fromSqlType("bytea", false));
        assertEquals(ColumnKind.BINARY, ColumnKind.fromSqlType("longblob", true));
        assertEquals(ColumnKind.DECIMAL, ColumnKind.fromSqlType("decimal(38,10)", true));
        assertEquals(ColumnKind.JSON, ColumnKind.fromSqlType("jsonb", false));
        assertEquals(ColumnKind.UUID, ColumnKind.fromSqlType("uuid", false));
        assertEquals(ColumnKind.TIME, ColumnKind.fromSqlType("time(6)", true));
    }
}
