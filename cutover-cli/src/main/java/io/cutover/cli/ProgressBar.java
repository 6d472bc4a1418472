package io.cutover.cli;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.TableCopyResult;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a copy on stderr: on a terminal, a bar redrawn in place with items, rate and ETA; on
 * anything else (a log file, CI), a plain line every ten seconds. Counters are updated from worker
 * threads; only the renderer's own thread writes.
 */
public final class ProgressBar implements CopyProgress, AutoCloseable {
    private final PrintStream err;
    private final boolean terminal;
    private final ScheduledExecutorService renderer;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private volatile String label = "";
    private volatile long startNanos = System.nanoTime();
    private volatile long startDone;
    private volatile long lastPlain;

    public ProgressBar(PrintStream err, boolean terminal, boolean enabled) {
        this.err = err;
        this.terminal = terminal;
        if (!enabled) {
            renderer = null;
            return;
        }
        renderer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-progress");
            t.setDaemon(true);
            return t;
        });
        renderer.scheduleAtFixedRate(this::render, 250, terminal ? 250 : 1000, TimeUnit.MILLISECONDS);
    }

    public static boolean isTerminal() {
        return System.console() != null;
    }

    /** Starts a new bar (for work that is not a table copy, such as the demo's load). */
    public void start(String label, long totalItems) {
        this.label = label;
        this.total.set(Math.max(0, totalItems));
        this.done.set(0);
        this.startDone = 0;
        this.startNanos = System.nanoTime();
    }

    public void advance(long items) {
        done.addAndGet(items);
    }

    @Override
    public void tableStarted(String source, String target, long estimatedItems, long alreadyCopied) {
        start(source + " -> " + target, estimatedItems);
        done.set(alreadyCopied);
        startDone = alreadyCopied;
    }

    @Override
    public void written(long items) {
        done.addAndGet(items);
    }

    @Override
    public void tableFinished(TableCopyResult result) {
        lastPlain = 0;
        render();
        if (terminal && renderer != null) {
            synchronized (this) {
                err.println();
            }
        }
        label = ""; // the copy is over: no more lines while a migration catches up
    }

    synchronized void render() {
        if (renderer == null || label.isEmpty()) {
            return;
        }
        long d = done.get();
        long t = Math.max(total.get(), d);
        double secs = Math.max(0.001, (System.nanoTime() - startNanos) / 1e9);
        double rate = (d - startDone) / secs;
        String eta = rate > 0 && t > d ? duration((long) ((t - d) / rate)) : "--:--";
        // no estimate (a PostgreSQL table never analyzed says 0 rows): a count and a rate, no made-up total
        String counts = total.get() > 0 ? String.format(Locale.ROOT, "%,d/%,d items  %,.0f items/s  ETA %s", d, t, rate, eta)
                : String.format(Locale.ROOT, "%,d items  %,.0f items/s", d, rate);
        if (terminal && total.get() <= 0) {
            err.print(String.format(Locale.ROOT, "\r%s %s   ", label, counts));
            err.flush();
        } else if (terminal) {
            int width = 30;
            int filled = t == 0 ? width : (int) Math.min(width, width * d / t);
            String bar = "#".repeat(filled) + ".".repeat(width - filled);
            int pct = t == 0 ? 100 : (int) (100 * d / t);
            err.print(String.format(Locale.ROOT, "\r%s [%s] %3d%% %s   ", label, bar, pct, counts));
            err.flush();
        } else if (System.nanoTime() - lastPlain > TimeUnit.SECONDS.toNanos(10)) {
            lastPlain = System.nanoTime();
            err.println(label + ": " + counts);
        }
    }

    static String duration(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** Stops the bar and ends its line. */
    public void finish() {
        if (renderer != null && !label.isEmpty()) {
            lastPlain = 0;
            render();
            if (terminal) {
                synchronized (this) {
                    err.println();
                }
            }
        }
        label = "";
    }

    @Override
    public void close() {
        if (renderer != null) {
            renderer.shutdownNow();
        }
    }
}
