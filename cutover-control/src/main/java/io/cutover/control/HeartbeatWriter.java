package io.cutover.control;

import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.Site;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Measures what a cut-over costs an application: one thread writes a new heartbeat item through a
 * {@link MigratingStore} every {@code pauseMillis}, and records when each write was acknowledged and in
 * which phase it ran. The longest gap between two acknowledgements is what a user of the application
 * would have seen; a failed write is one the application had to handle. {@link #lost} then checks that
 * every acknowledged write is on every site its phase wrote to.
 */
public final class HeartbeatWriter {
    /** One acknowledged write. */
    public record Ack(long seq, Phase phase, long ackNanos) {
    }

    /** What one run measured. */
    public record Result(long attempted, long acknowledged, long failed, double maxGapMillis, double p99GapMillis, double writesPerSecond,
                         List<Ack> acks, List<String> failures, long increments) {
    }

    /** The item every beat increments by one (a read-modify-write on the site of record): {@code prefix + "counter"}. */
    public String counterId() {
        return prefix + "counter";
    }

    private final MigratingStore store;
    private final String partitionKey;
    private final String sortKey;
    private final String prefix;
    private final long pauseMillis;
    private volatile boolean stop;
    private Thread thread;
    private Result result;

    /** Items get {@code partitionKey = prefix + seq} and, when the table has one, {@code sortKey = "hb"}. */
    public HeartbeatWriter(MigratingStore store, String prefix, long pauseMillis) {
        this.store = store;
        this.partitionKey = store.keyNames().get(0);
        this.sortKey = store.keyNames().size() > 1 ? store.keyNames().get(1) : null;
        this.prefix = prefix;
        this.pauseMillis = pauseMillis;
    }

    public HeartbeatWriter start() {
        thread = new Thread(this::loop, "cutover-heartbeat");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Stops after the write in flight and returns the figures. */
    public Result stop() throws InterruptedException {
        stop = true;
        thread.join();
        return result;
    }

    public String id(long seq) {
        return prefix + seq;
    }

    private void loop() {
        List<Ack> acks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long attempted = 0;
        long started = System.nanoTime();
        long last = started;
        List<Long> gaps = new ArrayList<>();
        long increments = 0;
        Map<String, AttributeValue> counter = new HashMap<>();
        counter.put(partitionKey, AttributeValue.fromS(counterId()));
        if (sortKey != null) {
            counter.put(sortKey, AttributeValue.fromS("hb"));
        }
        io.cutover.client.Store.Update increment = new io.cutover.client.Store.Update("ADD #n :one", Map.of("#n", "n"),
                Map.of(":one", AttributeValue.fromN("1")));
        while (!stop) {
            long seq = ++attempted;
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(partitionKey, AttributeValue.fromS(id(seq)));
            if (sortKey != null) {
                item.put(sortKey, AttributeValue.fromS("hb"));
            }
            item.put("seq", AttributeValue.fromN(Long.toString(seq)));
            item.put("writtenAt", AttributeValue.fromN(Long.toString(System.currentTimeMillis())));
            try {
                Phase phase = store.putTracked(item);
                long now = System.nanoTime();
                acks.add(new Ack(seq, phase, now));
                gaps.add(now - last);
                last = now;
            } catch (RuntimeException e) {
                if (failures.size() < 20) {
                    failures.add("write " + seq + ": " + e.getMessage());
                }
            }
            try {
                store.update(counter, increment);
                increments++;
            } catch (RuntimeException e) {
                if (failures.size() < 20) {
                    failures.add("increment after " + seq + ": " + e.getMessage());
                }
            }
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] sorted = gaps.stream().mapToLong(Long::longValue).sorted().toArray();
        double max = sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6;
        double p99 = sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1e6;
        result = new Result(attempted, acks.size(), (attempted - acks.size()) + (attempted - increments), max, p99, acks.size() / seconds, List.copyOf(acks),
                List.copyOf(failures), increments);
    }

    /** Acknowledged writes missing from a site their phase wrote to: how many, and the first few. */
    public record Lost(long count, List<String> examples) {
    }

    /**
     * The acknowledged writes missing from a site their phase wrote to, given the ids present on each
     * site (after the journals drained); at most {@code limit} listed, all counted.
     */
    public Lost lost(List<Ack> acks, Map<Site, Set<String>> present, int limit) {
        List<String> examples = new ArrayList<>();
        long count = 0;
        for (Ack a : acks) {
            for (Site site : Arrays.asList(Site.values())) {
                if (a.phase().writesTo(site) && !present.get(site).contains(id(a.seq()))) {
                    count++;
                    if (examples.size() < limit) {
                        examples.add(id(a.seq()) + " (written in " + a.phase() + ") missing from " + site);
                    }
                }
            }
        }
        return new Lost(count, List.copyOf(examples));
    }
}
