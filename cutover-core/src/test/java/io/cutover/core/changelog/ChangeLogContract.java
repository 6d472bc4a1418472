package io.cutover.core.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.item.CanonicalItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The {@link ChangeLog} contract, run against every implementation. */
abstract class ChangeLogContract {
    abstract ChangeLog log();

    abstract ChangeLog log(Duration retention, LongSupplier clock);

    static Map<String, AttributeValue> key(int i) {
        return Map.of("pk", AttributeValue.fromS("k" + i));
    }

    static Map<String, AttributeValue> image(int i) {
        return Map.of("pk", AttributeValue.fromS("k" + i), "n", AttributeValue.fromN("12345678901234567890123456789012345678"),
                "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, (byte) i})), "ss", AttributeValue.fromSs(List.of("x", "y")),
                "m", AttributeValue.fromM(Map.of("l", AttributeValue.fromL(List.of(AttributeValue.fromNul(true), AttributeValue.fromBool(true))))),
                "empty", AttributeValue.fromS(""));
    }

    static ChangeRecord put(String shard, int seq, int key) {
        return ChangeRecord.put(shard, Integer.toString(seq), key(key), image(key), 1_000L * seq, 2_000L * seq);
    }

    @Test
    void appendsAndReadsBackInOrderWithEveryTypeExact() {
        ChangeLog log = log();
        int added = log.append(List.of(put("s1", 1, 1), ChangeRecord.delete("s1", "2", key(2), 5, 6), put("s1", 3, 3)),
                new PartitionPosition("s1", "3", false));
        assertEquals(3, added);
        List<ChangeRecord> read = log.read(0, 10);
        assertEquals(List.of(1L, 2L, 3L), read.stream().map(ChangeRecord::logSequence).toList());
        assertEquals(CanonicalItem.of(image(1)), CanonicalItem.of(read.get(0).image()));
        assertEquals("12345678901234567890123456789012345678", read.get(0).image().get("n").n());
        assertEquals(ChangeRecord.Operation.DELETE, read.get(1).operation());
        assertNull(read.get(1).image());
        assertEquals(key(2), read.get(1).key());
        assertEquals(5, read.get(1).sourceTimeMillis());
        assertEquals(6, read.get(1).capturedAtMillis());
        assertEquals(3, log.lastSequence());
        assertEquals(3, log.size());
    }

    @Test
    void aChangeReadTwiceIsKeptOnce() {
        ChangeLog log = log();
        log.append(List.of(put("s1", 1, 1), put("s1", 2, 2)), new PartitionPosition("s1", "2", false));
        int again = log.append(List.of(put("s1", 2, 2), put("s1", 3, 3), put("s2", 2, 9)), new PartitionPosition("s1", "3", false));
        assertEquals(2, again, "the repeat of s1/2 is ignored; s2/2 is another change");
        assertEquals(4, log.size());
    }

    @Test
    void recordsEachPartitionsPositionWithItsChanges() {
        ChangeLog log = log();
        log.append(List.of(put("a", 1, 1)), new PartitionPosition("a", "1", false));
        log.append(List.of(), new PartitionPosition("b", null, false));
        log.append(List.of(put("a", 7, 2)), new PartitionPosition("a", "7", true));
        Map<String, PartitionPosition> p = log.positions();
        assertEquals(new PartitionPosition("a", "7", true), p.get("a"));
        assertEquals(new PartitionPosition("b", null, false), p.get("b"));
    }

    @Test
    void readsPageByPageAfterASequence() {
        ChangeLog log = log();
        appendPuts(log, 25);
        assertEquals(10, log.read(0, 10).size());
        assertEquals(11L, log.read(10, 10).get(0).logSequence());
        assertEquals(5, log.read(20, 10).size());
        assertTrue(log.read(25, 10).isEmpty());
    }

    @Test
    void appliedCountsAddUp() {
        ChangeLog log = log();
        log.markApplied(10, new ChangeLog.AppliedCounts(7, 2, 1));
        log.markApplied(20, new ChangeLog.AppliedCounts(9, 1, 0));
        assertEquals(new ChangeLog.AppliedCounts(16, 3, 1), log.appliedCounts());
        assertEquals(20, log.applied());
    }

    @Test
    void appliedOnlyMovesForward() {
        ChangeLog log = log();
        assertEquals(0, log.applied());
        log.markApplied(5);
        log.markApplied(3);
        assertEquals(5, log.applied());
    }

    @Test
    void concurrentAppendsFromManyPartitionsKeepEveryChangeWithUniqueSequences() throws Exception {
        ChangeLog log = log();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            String shard = "shard-" + p;
            futures.add(pool.submit(() -> {
                for (int i = 1; i <= 50; i++) {
                    log.append(List.of(put(shard, i, i)), new PartitionPosition(shard, Integer.toString(i), false));
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        List<ChangeRecord> all = log.read(0, 1_000);
        assertEquals(200, all.size());
        Set<Long> sequences = new HashSet<>();
        all.forEach(c -> assertTrue(sequences.add(c.logSequence())));
        for (int p = 0; p < 4; p++) {
            String shard = "shard-" + p;
            List<Integer> order = all.stream().filter(c -> c.partition().equals(shard)).map(c -> Integer.parseInt(c.sourcePosition())).toList();
            assertEquals(order.stream().sorted().toList(), order, "per partition, log order is append order");
        }
        assertFalse(log.positions().get("shard-0").finished());
    }

    /** Appends puts 1 to n of partition "s", one key each. */
    static void appendPuts(ChangeLog log, int n) {
        List<ChangeRecord> batch = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            batch.add(put("s", i, i));
        }
        log.append(batch, new PartitionPosition("s", Integer.toString(n), false));
    }

    @Test
    void prunesOnlyAppliedChangesWhoseAcknowledgementIsOlderThanTheRetention() {
        AtomicLong now = new AtomicLong(1_000_000);
        ChangeLog log = log(Duration.ofHours(3), now::get);
        appendPuts(log, 10);
        log.markApplied(4);
        now.addAndGet(Duration.ofHours(1).toMillis());
        log.markApplied(7);
        now.addAndGet(Duration.ofHours(2).toMillis() - 1);
        assertEquals(0, log.prune(), "nothing was applied 3 h ago yet");
        now.addAndGet(1);
        assertEquals(4, log.prune(), "changes 1 to 4 were acknowledged 3 h ago");
        assertEquals(5L, log.read(0, 100).get(0).logSequence());
        now.addAndGet(Duration.ofDays(2).toMillis());
        assertEquals(3, log.prune(), "5 to 7 now; 8 to 10 were never applied and stay");
        assertEquals(List.of(8L, 9L, 10L), log.read(0, 100).stream().map(ChangeRecord::logSequence).toList());
        assertEquals(10, log.size(), "size counts every change ever appended");
        assertEquals(3, log.retained());
        assertEquals(10, log.lastSequence());
        assertEquals(7, log.applied());
    }

    @Test
    void aZeroRetentionKeepsEveryChange() {
        AtomicLong now = new AtomicLong(0);
        ChangeLog log = log(Duration.ZERO, now::get);
        log.append(List.of(put("s", 1, 1), put("s", 2, 2)), new PartitionPosition("s", "2", false));
        log.markApplied(2);
        now.addAndGet(Duration.ofDays(365).toMillis());
        assertEquals(0, log.prune());
        assertEquals(2, log.retained());
    }

    @Test
    void aReadStopsOnceItHoldsTheByteBoundButAlwaysTakesOneChange() {
        ChangeLog log = log();
        appendPuts(log, 10);
        assertEquals(1, log.read(0, 100, 1).size(), "one change even when it alone exceeds the bound");
        int some = log.read(0, 100, 600).size();
        assertTrue(some > 1 && some < 10, "a bound of a few images' size takes a few: " + some);
        assertEquals(10, log.read(0, 100, Long.MAX_VALUE).size());
    }
}
