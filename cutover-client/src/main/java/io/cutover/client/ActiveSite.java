package io.cutover.client;

import java.time.Duration;

/**
 * For applications that only need to know which database is active (for example one that writes a
 * heartbeat row every second to whichever site is active): the active site and its endpoint, kept
 * current by a {@link RegistryWatcher}. Thread-safe; {@link #site} never blocks.
 */
public final class ActiveSite implements AutoCloseable {
    private final RegistryWatcher watcher;

    private ActiveSite(RegistryWatcher watcher) {
        this.watcher = watcher;
    }

    /** Watches {@code app} in the registry, polling every {@code interval}. */
    public static ActiveSite watch(EndpointRegistry registry, String app, Duration interval) {
        return new ActiveSite(new RegistryWatcher(registry, app, interval).start());
    }

    public Site site() {
        return watcher.current().activeSite();
    }

    public StoreEndpoint endpoint() {
        return watcher.current().activeEndpoint();
    }

    public Phase phase() {
        return watcher.current().phase();
    }

    @Override
    public void close() {
        watcher.close();
    }
}
