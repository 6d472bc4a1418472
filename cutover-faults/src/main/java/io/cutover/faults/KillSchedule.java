package io.cutover.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A seeded random schedule of {@code kill -9} points across the phases of a child process (a
 * {@code cutover migrate}), and the loop that carries it out: for each point in phase order, start the
 * child, wait until it reports that phase (or a later one), wait the point's random delay, and kill it
 * with SIGKILL ({@link Process#destroyForcibly}). Print {@link #describe} (it names the seed) so that
 * a failure can be replayed with the same schedule.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class KillSchedule {
    /** Kill in {@code phase} (or the first later phase the child reaches), {@code delayMillis} after seeing it. */
    public record KillPoint(String phase, long delayMillis) {
    }

    /** What happened at one point: the phase the child was in when killed, or that it had ended first. */
    public record Kill(KillPoint point, String killedIn, boolean ended) {
    }

    private final long seed;
    private final List<String> phases;
    private final List<KillPoint> points;

    private KillSchedule(long seed, List<String> phases, List<KillPoint> points) {
        this.seed = seed;
        this.phases = List.copyOf(phases);
        this.points = List.copyOf(points);
    }

    /**
     * {@code kills} points spread over {@code phases} (in their order of progress), each with a delay
     * drawn from [0, maxDelayMillis), sorted by phase and then delay.
     */
    public static KillSchedule random(long seed, int kills, List<String> phases, long maxDelayMillis) {
        java.util.LinkedHashMap<String, Long> bounds = new java.util.LinkedHashMap<>();
        for (String p : phases) {
            bounds.put(p, maxDelayMillis);
        }
        return random(seed, kills, bounds);
    }

    /**
     * {@code kills} points spread over the phases of {@code maxDelayByPhase} (in its order, which is
     * the order of progress), each with a delay drawn from [0, that phase's bound): short phases
     * (PREPARE, CAPTURE) need short delays, or every kill meant for them lands in the next one.
     */
    public static KillSchedule random(long seed, int kills, java.util.LinkedHashMap<String, Long> maxDelayByPhase) {
        List<String> phases = new ArrayList<>(maxDelayByPhase.keySet());
        if (phases.isEmpty() || kills < 0 || maxDelayByPhase.values().stream().anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("a kill schedule needs phases, kills >= 0 and positive delay bounds");
        }
        Random r = new Random(seed);
        List<KillPoint> points = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            // every phase is hit at least once when there are enough kills, the rest are random
            String phase = i < phases.size() && kills >= phases.size() ? phases.get(i) : phases.get(r.nextInt(phases.size()));
            points.add(new KillPoint(phase, r.nextLong(maxDelayByPhase.get(phase))));
        }
        points.sort(Comparator.<KillPoint>comparingInt(p -> phases.indexOf(p.phase())).thenComparingLong(KillPoint::delayMillis));
        return new KillSchedule(seed, phases, points);
    }

    /** The kill count from a system property (so a longer run can raise it), else {@code fallback}. */
    public static int killsFromProperty(String property, int fallback) {
        String v = System.getProperty(property);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }

    /** The seed from a system property (to replay a failure), else a fresh one. */
    public static long seedFromProperty(String property) {
        String v = System.getProperty(property);
        return v == null || v.isBlank() ? System.nanoTime() : Long.parseLong(v.trim());
    }

    public long seed() {
        return seed;
    }

    public List<KillPoint> points() {
        return points;
    }

    public String describe() {
        return "kill schedule seed " + seed + ": " + points.size() + " kills " + points;
    }

    /**
     * Carries out the schedule. {@code start} starts the child; {@code phase} reads the phase it last
     * recorded ("" before any). The first phase's delay counts from the child's start, the others' from
     * when the child is seen in that phase (or a later one). A child that ended before its kill is recorded as ended (its phase was
     * already done), and the next point starts a new child. Fails when a child neither reaches the
     * phase nor ends within {@code timeoutMillis}.
     */
    public List<Kill> run(Supplier<Process> start, Supplier<String> phase, long timeoutMillis) throws InterruptedException {
        List<Kill> done = new ArrayList<>();
        for (KillPoint p : points) {
            Process child = start.get();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            int wanted = phases.indexOf(p.phase());
            // the first phase's delay counts from the start: it may be recorded only as it ends (or never, if short)
            while (wanted > 0 && child.isAlive() && phases.indexOf(phase.get()) < wanted) {
                if (System.nanoTime() > deadline) {
                    child.destroyForcibly().waitFor();
                    throw new IllegalStateException("the child did not reach " + p.phase() + " within " + timeoutMillis + " ms (it is in '"
                            + phase.get() + "'); " + describe());
                }
                Thread.sleep(10);
            }
            if (child.isAlive()) {
                child.waitFor(p.delayMillis(), TimeUnit.MILLISECONDS);
            }
            boolean ended = !child.isAlive();
            String in = phase.get();
            child.destroyForcibly();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a killed child did not go away within 30 s");
            }
            done.add(new Kill(p, in, ended));
        }
        return done;
    }
}
