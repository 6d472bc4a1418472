package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ItemUpdateTest {
    @Test
    void setAddAndRemoveApplyInOrder() {
        ItemUpdate u = ItemUpdate.parse("SET #m = :m, Status = :s ADD n :one REMOVE Old", Map.of("#m", "Message"),
                Map.of(":m", AttributeValue.fromS("hi"), ":s", AttributeValue.fromS("ok"), ":one", AttributeValue.fromN("1.5")));
        Map<String, AttributeValue> after = u.applyTo(Map.of("n", AttributeValue.fromN("2"), "Old", AttributeValue.fromS("x")));
        assertEquals(Map.of("Message", AttributeValue.fromS("hi"), "Status", AttributeValue.fromS("ok"), "n", AttributeValue.fromN("3.5")),
                after);
        assertEquals(AttributeValue.fromN("1.5"), u.applyTo(Map.of()).get("n"), "ADD to a missing number starts from zero");
    }

    @Test
    void refusesWhatItCannotApplyNamingIt() {
        for (String e : new String[] {"SET n = n + :k", "SET a.b = :k", "DELETE tags :k", "SET n = if_not_exists(n, :k)"}) {
            CutoverException x = assertThrows(CutoverException.class, () -> ItemUpdate.parse(e, Map.of(),
                    Map.of(":k", AttributeValue.fromN("1"))), e);
            assertEquals(ErrorCode.UNSUPPORTED, x.code(), e);
        }
    }
}
