package io.cutover.core.result;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.core.apply.ChangeApplier;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.copy.WriteOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class MigrationStatusTest {
    @Test
    void countsComeFromTheLogAndTheApplier() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("a"));
        log.append(List.of(ChangeRecord.put("s", "1", key, key, 1, 1), ChangeRecord.put("s", "2", key, key, 2, 2),
                ChangeRecord.delete("s", "3", Map.of("pk", AttributeValue.fromS("b")), 3, 3)), new PartitionPosition("s", "3", false));

        MigrationStatus before = MigrationStatus.of("CATCH_UP", "src", "dst", "stream", 10, log, null, 0, Map.of());
        assertEquals(3, before.captured());
        assertEquals(3, before.backlog());
        assertEquals(0, before.applied());

        ChangeApplier applier = new ChangeApplier(log, changes -> new WriteOutcome(changes.size(), 0, 0), 1000, () -> 10);
        applier.applyAvailable();
        MigrationStatus after = MigrationStatus.of("IN_SYNC", "src", "dst", "stream", 10, log, applier.stats(), 5.0, Map.of("s", "3"));
        assertEquals(3, after.captured());
        assertEquals(0, after.backlog());
        assertEquals(2, after.applied());
        assertEquals(1, after.superseded());
        assertEquals(7, after.withDeadLettered(7).deadLettered());
        assertEquals(after.applied(), after.withDeadLettered(7).applied());
    }

    @Test
    void noLogMeansNothingCaptured() {
        MigrationStatus s = MigrationStatus.of("BACKFILL", "src", "dst", "mirror", 5, null, null, 0, Map.of("mirror", "every document"));
        assertEquals(0, s.captured());
        assertEquals(0, s.backlog());
        assertEquals(5, s.backfillItems());
    }
}
