package io.cutover.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one application's registry entry current in memory: read once at {@link #start}, then polled
 * every {@code interval} (strongly consistent reads) on one daemon thread, so that an application moves
 * to a new phase at run time without a restart. {@link #current} never blocks: it returns the entry of
 * the last successful poll. A failed poll keeps the last entry (the registry being briefly unreachable
 * must not stop the application) and is counted and logged.
 *
 * <p>Listeners run on the poll thread, once for each new version, in order; they must not block for long.
 */
public final class RegistryWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryWatcher.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(500);

    private final EndpointRegistry registry;
    private final String app;
    private final Duration interval;
    private final List<Consumer<RegistryEntry>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong failedPolls = new AtomicLong();
    private final ScheduledExecutorService poller;
    private volatile RegistryEntry current;
    private volatile boolean failing;

    public RegistryWatcher(EndpointRegistry registry, String app, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the poll interval must be positive, was " + interval);
        }
        this.registry = registry;
        this.app = app;
        this.interval = interval;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-registry-watch-" + app);
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the entry now (a missing application or an unreachable registry fails here, loudly), then polls. */
    public RegistryWatcher start() {
        current = registry.require(app);
        poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public String app() {
        return app;
    }

    public EndpointRegistry registry() {
        return registry;
    }

    /** The entry as last read; never null after {@link #start}. */
    public RegistryEntry current() {
        return current;
    }

    /** Called with the current entry now (on the caller's thread) and with every later version (on the poll thread). */
    public void onChange(Consumer<RegistryEntry> listener) {
        listeners.add(listener);
        listener.accept(current);
    }

    /** Stops calling {@code listener} (a store that closes before its watcher). */
    public void removeListener(Consumer<RegistryEntry> listener) {
        listeners.remove(listener);
    }

    public long failedPolls() {
        return failedPolls.get();
    }

    /** Polls now instead of waiting for the next tick (tests, and applications that want to react at once). */
    public void refresh() {
        try {
            poller.submit(this::poll).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // poll() handles its own failures
        }
    }

    private void poll() {
        try {
            RegistryEntry read = registry.require(app);
            if (failing) {
                LOG.info("registry {} reachable again", registry.table());
                failing = false;
            }
            RegistryEntry before = current;
            if (before == null || read.version() != before.version()) {
                current = read;
                for (Consumer<RegistryEntry> l : listeners) {
                    l.accept(read);
                }
            }
        } catch (RuntimeException e) {
            failedPolls.incrementAndGet();
            if (!failing) {
                LOG.warn("cannot read application {} from the registry {} ({}); keeping phase {} until it answers", app,
                        registry.table(), e.getMessage(), current == null ? "unknown" : current.phase());
                failing = true;
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
