package io.cutover.sql.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class IdentityMappingTest {
    private static TableSchema schema(List<String> pk) {
        Map<String, ColumnKind> cols = new LinkedHashMap<>();
        cols.put("tenant", ColumnKind.TEXT);
        cols.put("id", ColumnKind.INTEGER);
        cols.put("amount", ColumnKind.DECIMAL);
        cols.put("note", ColumnKind.TEXT);
        return new TableSchema("accounts", cols, pk);
    }

    @Test
    void everyColumnIsAnAttributeOfItsNameAndThePrimaryKeyReadsBack() {
        RowMapper m = IdentityMapping.of(schema(List.of("tenant", "id"))).bind(schema(List.of("tenant", "id")));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("tenant", "t1");
        row.put("id", 7L);
        row.put("amount", new BigDecimal("1.50"));
        row.put("note", null);
        Map<String, AttributeValue> item = m.item(row);
        assertEquals(AttributeValue.fromS("t1"), item.get(IdentityMapping.PARTITION_KEY));
        assertEquals(AttributeValue.fromS("7"), item.get(IdentityMapping.SORT_KEY));
        assertEquals(AttributeValue.fromN("1.5"), item.get("amount"));
        assertEquals(AttributeValue.fromNul(true), item.get("note"), "NULL is kept, so it overwrites on the other side");
        assertEquals(Map.of("tenant", "t1", "id", 7L), m.primaryKeyOf(m.key(row)));
    }

    @Test
    void refusesAKeyOfThreeColumnsNamingTheFix() {
        CutoverException e = assertThrows(CutoverException.class, () -> IdentityMapping.of(schema(List.of("tenant", "id", "note"))));
        assertTrue(e.getMessage().contains("pass a --mapping"), e.getMessage());
    }
}
