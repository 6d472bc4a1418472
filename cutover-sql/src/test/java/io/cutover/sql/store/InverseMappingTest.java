package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.mapping.TableSchema;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class InverseMappingTest {
    private static final TableSchema LOGS = new TableSchema("public.logs", new LinkedHashMap<>(Map.of("log_id", ColumnKind.INTEGER,
            "service_name", ColumnKind.TEXT, "log_timestamp", ColumnKind.TIMESTAMPTZ, "duration_ms", ColumnKind.DECIMAL)), List.of("log_id"));

    private static RowMapper bind(String yaml) {
        return Mapping.fromYaml(yaml, "test.yaml").bind(LOGS);
    }

    @Test
    void aKeyTemplateThatLosesAnExcludedColumnIsNamed() {
        RowMapper lossy = bind("""
                partitionKey: { attribute: PK, template: "${service_name}-${log_timestamp:yyyy-MM-dd}" }
                sortKey: { attribute: SK, template: "${log_id}" }
                attributes: { exclude: [log_timestamp] }
                """);
        List<String> problems = InverseMapping.problems(lossy);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("column log_timestamp") && problems.get(0).contains("PK (\"${service_name}-"), problems.get(0));
        CutoverException e = assertThrows(CutoverException.class, () -> new InverseMapping(lossy));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
    }

    @Test
    void aColumnHeldReversiblyByTheSortKeyNeedsNoAttribute() {
        RowMapper mapper = bind("""
                partitionKey: { attribute: PK, template: "${service_name}-${log_timestamp:yyyy-MM-dd}" }
                sortKey: { attribute: SK, template: "${log_timestamp}#${log_id}" }
                attributes: { exclude: [log_timestamp, log_id] }
                computed: [{ attribute: ExpiresAt, template: "${log_timestamp:epoch+90d}", type: N }]
                """);
        assertEquals(List.of(), InverseMapping.problems(mapper));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("log_id", 7L);
        row.put("service_name", "orders");
        row.put("log_timestamp", Instant.parse("2026-11-02T08:00:00Z"));
        row.put("duration_ms", new BigDecimal("1.5"));
        Map<String, AttributeValue> item = mapper.item(row);
        assertEquals(row, new InverseMapping(mapper).row(item), "the row comes back from the item, derived attributes ignored");
    }

    @Test
    void anAttributeWithNoColumnIsRefusedByName() {
        InverseMapping inverse = new InverseMapping(bind("""
                partitionKey: { attribute: PK, template: "LOG#${log_id}" }
                """));
        CutoverException e = assertThrows(CutoverException.class, () -> inverse.row(Map.of("PK", AttributeValue.fromS("LOG#1"),
                "Colour", AttributeValue.fromS("red"))));
        assertEquals(ErrorCode.REJECTED, e.code());
        assertTrue(e.getMessage().contains("Colour"), e.getMessage());
    }
}
