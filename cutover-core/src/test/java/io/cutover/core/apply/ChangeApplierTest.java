package io.cutover.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.InMemoryChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.copy.WriteOutcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ChangeApplierTest {
    /** A target in memory that checks every call holds distinct keys. */
    static final class MapTarget implements ChangeWriter {
        final Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        int calls;
        int failOnCall = -1;

        @Override
        public WriteOutcome apply(List<ChangeRecord> changes) {
            if (++calls == failOnCall) {
                throw new CutoverException(ErrorCode.TRANSIENT, "injected");
            }
            Set<String> keys = new HashSet<>();
            for (ChangeRecord c : changes) {
                String k = c.key().get("pk").s();
                assertTrue(keys.add(k), "a chunk handed the writer key " + k + " twice");
                if (c.operation() == ChangeRecord.Operation.DELETE) {
                    items.remove(k);
                } else {
                    items.put(k, c.image());
                }
            }
            return new WriteOutcome(changes.size(), 0, 0);
        }
    }

    static Map<String, AttributeValue> key(int k) {
        return Map.of("pk", AttributeValue.fromS("k" + k));
    }

    /** Random puts and deletes on few keys; returns the final state the source would hold. */
    static Map<String, Map<String, AttributeValue>> fill(InMemoryChangeLog log, int changes, long seed) {
        Random r = new Random(seed);
        Map<String, Map<String, AttributeValue>> state = new HashMap<>();
        List<ChangeRecord> batch = new ArrayList<>();
        for (int i = 1; i <= changes; i++) {
            int k = r.nextInt(20);
            if (r.nextInt(3) == 0) {
                batch.add(ChangeRecord.delete("s", Integer.toString(i), key(k), i, i));
                state.remove("k" + k);
            } else {
                Map<String, AttributeValue> image = Map.of("pk", AttributeValue.fromS("k" + k), "v", AttributeValue.fromN(Integer.toString(i)));
                batch.add(ChangeRecord.put("s", Integer.toString(i), key(k), image, i, i));
                state.put("k" + k, image);
            }
        }
        log.append(batch, new PartitionPosition("s", Integer.toString(changes), false));
        return state;
    }

    @Test
    void appliesPerKeyInOrderAndCountsSupersededChanges() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Map<String, Map<String, AttributeValue>> expected = fill(log, 1_000, 1);
        MapTarget target = new MapTarget();
        ChangeApplier applier = new ChangeApplier(log, target, 64, () -> 2_000);

        assertEquals(1_000, applier.applyAvailable());

        assertEquals(expected, target.items);
        ApplyStats stats = applier.stats();
        assertEquals(1_000, stats.applied() + stats.superseded(), "every change is applied or superseded");
        assertTrue(stats.superseded() > 0, "20 keys in chunks of 64 must repeat");
        assertEquals(1_000, log.applied());
        assertTrue(stats.lagMaxMillis() <= 2_000 && stats.lagP50Millis() <= stats.lagP99Millis());
    }

    @Test
    void aFailedChunkLeavesTheMarkBeforeItAndARetryConverges() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Map<String, Map<String, AttributeValue>> expected = fill(log, 500, 2);
        MapTarget target = new MapTarget();
        target.failOnCall = 3;
        ChangeApplier applier = new ChangeApplier(log, target, 50, () -> 0);

        assertThrows(CutoverException.class, applier::applyAvailable);
        assertEquals(100, log.applied(), "two chunks of 50 acknowledged, the third not");

        new ChangeApplier(log, target, 50, () -> 0).applyAvailable();
        assertEquals(expected, target.items);
        assertEquals(500, log.applied());
    }

    @Test
    void replayingTheWholeLogAgainGivesTheSameTarget() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        Map<String, Map<String, AttributeValue>> expected = fill(log, 300, 3);
        MapTarget target = new MapTarget();
        new ChangeApplier(log, target, 37, () -> 0).applyAvailable();
        InMemoryChangeLog again = new InMemoryChangeLog();
        again.append(log.read(0, 1_000).stream().map(c -> c.operation() == ChangeRecord.Operation.PUT
                ? ChangeRecord.put("s", c.sourcePosition(), c.key(), c.image(), 0, 0)
                : ChangeRecord.delete("s", c.sourcePosition(), c.key(), 0, 0)).toList(), new PartitionPosition("s", "300", false));
        new ChangeApplier(again, target, 11, () -> 0).applyAvailable();
        assertEquals(expected, target.items);
    }

    @Test
    void chunksAreBoundedByBytesSoLargeImagesDoNotAllSitInMemory() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        String big = "x".repeat(100_000);
        List<ChangeRecord> batch = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            Map<String, AttributeValue> image = Map.of("pk", AttributeValue.fromS("k" + i), "blob", AttributeValue.fromS(big));
            batch.add(ChangeRecord.put("s", Integer.toString(i), key(i), image, i, i));
        }
        log.append(batch, new PartitionPosition("s", "50", false));
        List<Integer> chunkSizes = new ArrayList<>();
        MapTarget target = new MapTarget();
        ChangeWriter counting = changes -> {
            chunkSizes.add(changes.size());
            return target.apply(changes);
        };
        ChangeApplier applier = new ChangeApplier(log, counting, 1_000, 1_000_000, () -> 0);
        assertEquals(50, applier.applyAvailable());
        assertEquals(50, target.items.size());
        assertTrue(chunkSizes.stream().allMatch(n -> n <= 10), "1 MB chunks of 100 KB images hold at most 10: " + chunkSizes);
        assertEquals(50, log.applied());
    }
}
