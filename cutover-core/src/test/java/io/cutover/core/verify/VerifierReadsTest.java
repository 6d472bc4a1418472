package io.cutover.core.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.result.VerifyResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How many units the verifier reads at once: as many as asked with {@code --parallelism N}; left to Cutover, found by the
 * climb on a side that scales with requests in flight, and the old fixed 8 on a side that holds a connection per unit.
 * The sides are in memory; a page takes 2 ms while at most {@code capacity} pages are read at once, and proportionally
 * longer above that (a server that serves {@code capacity} requests in parallel).
 */
class VerifierReadsTest {

    @Test
    void leftToCutoverTheReadsClimbAboveTheStartOnASideThatScales() {
        Side source = new Side(items(6_000, null), true, 32);
        Side target = new Side(items(6_000, null), true, 32);
        VerifyResult r = new Verifier(source, target, List.of("pk"), VerifyOptions.defaults(), CopyProgress.NONE).run().result();
        assertTrue(r.identical(), r.toString());
        assertEquals(6_000, r.sourceItems());
        assertTrue(source.peak.get() > VerifyOptions.AUTO_START_PARALLELISM,
                "read more than " + VerifyOptions.AUTO_START_PARALLELISM + " units at once: peak " + source.peak.get());
        assertTrue(source.peak.get() <= VerifyOptions.AUTO_MAX_PARALLELISM, "peak " + source.peak.get());
    }

    @Test
    void leftToCutoverASideThatDoesNotScaleIsReadEightAtATime() {
        Side source = new Side(items(2_000, null), false, 32);
        Side target = new Side(items(2_000, 77L), true, 32);
        VerifyResult r = new Verifier(source, target, List.of("pk"), VerifyOptions.defaults(), CopyProgress.NONE).run().result();
        assertFalse(r.identical());
        assertEquals(1, r.different(), r.toString());
        assertTrue(source.peak.get() <= VerifyOptions.AUTO_FIXED_PARALLELISM, "peak " + source.peak.get());
    }

    @Test
    void aFixedParallelismIsKeptOnBothSides() {
        Side source = new Side(items(1_000, null), true, 32);
        Side target = new Side(items(1_000, null), true, 32);
        VerifyResult r = new Verifier(source, target, List.of("pk"), VerifyOptions.defaults().withParallelism(3), CopyProgress.NONE).run()
                .result();
        assertTrue(r.identical());
        assertTrue(source.peak.get() <= 3 && target.peak.get() <= 3, source.peak.get() + " " + target.peak.get());
    }

    private static List<Map<String, AttributeValue>> items(int n, Long changed) {
        List<Map<String, AttributeValue>> items = new ArrayList<>(n);
        for (long i = 0; i < n; i++) {
            items.add(Map.of("pk", AttributeValue.fromS("k" + i), "v", AttributeValue.fromN(Long.toString(changed != null && i == changed ? -1 : i))));
        }
        return items;
    }

    private record Offset(int next) implements Position {
        @Override
        public String encode() {
            return Integer.toString(next);
        }
    }

    /** A side in memory; unit u holds items u, u + n, u + 2n, ... read one item per page. */
    private static final class Side implements VerifySide {
        final List<Map<String, AttributeValue>> items;
        final boolean adaptive;
        final int capacity;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();

        Side(List<Map<String, AttributeValue>> items, boolean adaptive, int capacity) {
            this.items = items;
            this.adaptive = adaptive;
            this.capacity = capacity;
        }

        @Override
        public String describe() {
            return "side in memory";
        }

        @Override
        public List<? extends SnapshotUnit> units(int segments) {
            List<SnapshotUnit> units = new ArrayList<>();
            for (int u = 0; u < segments; u++) {
                int unit = u;
                units.add(new SnapshotUnit() {
                    @Override
                    public String id() {
                        return "u" + unit;
                    }

                    @Override
                    public Page readPage(Position after) {
                        int index = after == null ? unit : ((Offset) after).next();
                        int now = inFlight.incrementAndGet();
                        peak.accumulateAndGet(now, Math::max);
                        try {
                            Thread.sleep(2L * Math.max(1, (now + capacity - 1) / capacity));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            inFlight.decrementAndGet();
                        }
                        if (index >= items.size()) {
                            return new Page(List.of(), null);
                        }
                        int next = index + segments;
                        return new Page(List.of(items.get(index)), next < items.size() ? new Offset(next) : null);
                    }

                    @Override
                    public Position decode(String encoded) {
                        return new Offset(Integer.parseInt(encoded));
                    }
                });
            }
            return units;
        }

        @Override
        public Map<String, AttributeValue> lookup(Map<String, AttributeValue> key) {
            String k = key.get("pk").s();
            return items.get(Integer.parseInt(k.substring(1)));
        }

        @Override
        public long estimatedItems() {
            return items.size();
        }

        @Override
        public boolean adaptiveReads() {
            return adaptive;
        }
    }
}
