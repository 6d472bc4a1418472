package io.cutover.client;

import io.cutover.core.CutoverException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fence every applier checks before applying (docs/decisions/0074-failback-and-the-replication-fence.md): the
 * registry entry's phase says whether this direction may write. The forward applier (source to target) stops once the
 * target is the only site written ({@link Phase#TARGET_ONLY}); the reverse applier (target to source) applies in every
 * phase but {@link Phase#SOURCE_ONLY}, so that it runs from the handover on and keeps running after a failback, while
 * instances still on the old phase write the target alone. The entry is read at most once per {@code refreshMillis}
 * (about once a second), on the caller's thread; a failed read keeps the last answer (the version rule keeps either
 * answer safe for a second) and is logged.
 */
public final class ReplicationFence implements BooleanSupplier {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationFence.class);

    /** Which way an applier replicates. */
    public enum Direction {
        /** Source to target: applies unless the phase is TARGET_ONLY. */
        FORWARD,
        /** Target to source: applies unless the phase is SOURCE_ONLY. */
        REVERSE;

        /** Whether this direction may apply in {@code phase}. */
        public boolean appliesIn(Phase phase) {
            return this == FORWARD ? phase != Phase.TARGET_ONLY : phase != Phase.SOURCE_ONLY;
        }
    }

    private final EndpointRegistry registry;
    private final String app;
    private final Direction direction;
    private final long refreshMillis;
    private final LongSupplier clock;
    private long readAt = Long.MIN_VALUE;
    private boolean open;
    private long version;

    public ReplicationFence(EndpointRegistry registry, String app, Direction direction, long refreshMillis, LongSupplier clock) {
        this.registry = registry;
        this.app = app;
        this.direction = direction;
        this.refreshMillis = refreshMillis;
        this.clock = clock;
    }

    /** A fence read about once a second on the wall clock; reads the entry now, so a wrong --fence-app fails at once. */
    public static ReplicationFence of(EndpointRegistry registry, String app, Direction direction) {
        ReplicationFence f = new ReplicationFence(registry, app, direction, 1000, System::currentTimeMillis);
        f.getAsBoolean();
        return f;
    }

    /** True when this direction may apply now. Called from the applier's one thread. */
    @Override
    public synchronized boolean getAsBoolean() {
        long now = clock.getAsLong();
        if (readAt != Long.MIN_VALUE && now - readAt < refreshMillis) {
            return open;
        }
        try {
            RegistryEntry e = registry.require(app);
            boolean next = direction.appliesIn(e.phase());
            if (readAt != Long.MIN_VALUE && (next != open || e.version() != version)) {
                LOG.info("{} fence for {}: version {}, phase {}: {}", direction, app, e.version(), e.phase(), next ? "applying" : "fenced");
            }
            open = next;
            version = e.version();
        } catch (CutoverException failed) {
            if (readAt == Long.MIN_VALUE) {
                throw failed;
            }
            LOG.warn("cannot read the registry for the {} fence of {} (keeping the last answer, version {}): {}", direction, app, version,
                    failed.getMessage());
        }
        readAt = now;
        return open;
    }

    /** The registry version the last read saw. */
    public synchronized long version() {
        return version;
    }
}
