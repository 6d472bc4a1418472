package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.journal.RetryJournal;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.VersionAttribute;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The store wrapper applications embed: it reads the phase of its application from the endpoint
 * registry (through a {@link RegistryWatcher}) and routes every read and write by it, so that an
 * application moves through its cut-over at run time without a restart
 * (docs/decisions/0032-dual-writes-and-the-switch-moment.md, 0070, 0071).
 *
 * <ul>
 *   <li>Every write carries a version from this instance's {@link HybridClock} in a reserved attribute
 *       ({@link VersionAttribute}); a delete is kept as a versioned tombstone. Every write is conditional on the
 *       stored version being older (the version rule), so no write, replicated or replayed, moves a key backwards.
 *       On the site of record a refused write observes the stored version and is retried with a newer one, so the
 *       versions one key receives increase whatever the instances' clocks say.</li>
 *   <li>Reads go to the phase's primary site (the site of record) and return the item without the reserved
 *       attributes; a tombstone reads as absent. With shadow reads on, the other site is read too and a
 *       difference is counted (never returned, never failing the read).</li>
 *   <li>Write-ahead intent: in a dual-write phase the entry saying "the secondary owes this key" is durable in a
 *       {@link RetryJournal} (one per site) before the primary is written, and is removed once the secondary holds
 *       the write. A crash at any instruction, or a primary write that timed out but landed, leaves the entry, and
 *       its replay delivers whatever the primary holds. The caller sees a primary failure as an exception; a
 *       secondary failure keeps the entry and the write is acknowledged.</li>
 *   <li>A journal entry means "this site may have missed a write of this key": replaying it copies the key's
 *       current item from the other site under the version rule, read strongly consistent under the key's lock.
 *       So replays are idempotent, converge on the latest value, and never copy an older (frozen) site over a
 *       newer one, whatever the phase is when the replay runs.</li>
 *   <li>Writes of one key are serialised by striped locks; while a key has a pending entry for a site,
 *       later writes to that site are journaled behind it, so they cannot overtake it.</li>
 *   <li>A phase change waits for the reads and writes in flight (a read-write lock), so every operation
 *       runs entirely in one phase. If the new primary still has pending entries, each key is repaired
 *       (copied from the other site) before its next read or write: no read ever returns a value older
 *       than an acknowledged write.</li>
 * </ul>
 *
 * Thread-safe. {@link #close} stops the drainer; pending entries stay in the journal for the next start.
 */
public final class MigratingStore implements Store, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigratingStore.class);

    private static final int MAX_VERSION_ROUNDS = 20;
    /**
     * The longest an instance writes in a dual-write phase without reaching the registry; a switcher waits for every
     * instance that reported within this (plus a margin) to confirm a handover (decision 0101).
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    private final RegistryWatcher watcher;
    private final Map<Site, VersionedStore> stores = new EnumMap<>(Site.class);
    private final Map<Site, RetryJournal> journals = new EnumMap<>(Site.class);
    private final ReentrantLock[] stripes;
    private final ReentrantReadWriteLock phaseLock = new ReentrantReadWriteLock(true);
    private final boolean shadowReads;
    private final ScheduledExecutorService drainer;
    private final ScheduledExecutorService reporter;
    private final VersionAttribute versionAttribute;
    private final HybridClock clock;
    private final AtomicLong olderRefused = new AtomicLong();
    private final AtomicLong deferredSwitches = new AtomicLong();
    private final AtomicLong epochRedos = new AtomicLong();
    private static final int MAX_EPOCH_ROUNDS = 5;
    /** Intents of writes in flight, per site: entries that owe nothing yet, so reports and gates do not count them. */
    private final Map<Site, java.util.Set<Long>> inFlight = new EnumMap<>(Map.of(Site.SOURCE, java.util.concurrent.ConcurrentHashMap.newKeySet(),
            Site.TARGET, java.util.concurrent.ConcurrentHashMap.newKeySet()));
    private final Duration switchWait;
    private final java.util.function.Consumer<RegistryEntry> onEntry = this::applyEntry;
    private volatile Phase phase;
    private volatile long phaseVersion;
    /**
     * Set while the registry hands the site of record over (decision 0101): set under the phase's write lock (so every write
     * in flight has finished), cleared by the next version; no write starts while it is set.
     */
    private volatile boolean fenced;
    private final Object fenceMonitor = new Object();
    private final Duration handoverWait;
    private final Duration lease;
    /** When a report last reached the registry (System.nanoTime); dual-write writes need one within the lease. */
    private volatile long lastReportNanos;
    private final AtomicLong fencedWrites = new AtomicLong();
    private final String instance;
    private final boolean report;
    private volatile boolean reportFailing;
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong secondaryWrites = new AtomicLong();
    private final AtomicLong secondaryFailures = new AtomicLong();
    private final AtomicLong journaledBehind = new AtomicLong();
    private final AtomicLong drained = new AtomicLong();
    private final AtomicLong shadowCount = new AtomicLong();
    private final AtomicLong shadowMismatches = new AtomicLong();
    private final AtomicLong repairs = new AtomicLong();
    private final AtomicLong phaseChanges = new AtomicLong();

    private MigratingStore(Builder b) {
        this.watcher = b.watcher;
        stores.put(Site.SOURCE, b.source);
        stores.put(Site.TARGET, b.target);
        if (!b.source.keyNames().equals(b.target.keyNames())) {
            throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, "source " + b.source.name() + " has key " + b.source.keyNames()
                    + " but target " + b.target.name() + " has " + b.target.keyNames() + ": both sides need the same key");
        }
        journals.put(Site.SOURCE, RetryJournal.open(b.journalDir.resolve("missed-by-source.db")));
        journals.put(Site.TARGET, RetryJournal.open(b.journalDir.resolve("missed-by-target.db")));
        this.stripes = new ReentrantLock[b.stripes];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        this.shadowReads = b.shadowReads;
        this.phase = watcher.current().phase();
        this.phaseVersion = watcher.current().version();
        this.instance = b.instance != null ? b.instance : defaultInstance();
        this.versionAttribute = b.versionAttribute;
        this.switchWait = b.switchWait;
        String clockId = instance.replaceAll("[^A-Za-z0-9._:-]", "_");
        this.clock = new HybridClock(clockId.length() > 100 ? clockId.substring(clockId.length() - 100) : clockId);
        this.report = b.report;
        this.handoverWait = b.handoverWait;
        this.lease = b.lease;
        this.lastReportNanos = System.nanoTime() - lease.toNanos() - 1;
        this.drainer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-journal-drain-" + watcher.app());
            t.setDaemon(true);
            return t;
        });
        long every = b.drainInterval.toMillis();
        drainer.scheduleWithFixedDelay(this::drainQuietly, every, every, TimeUnit.MILLISECONDS);
        // Reports run on their own thread: an instance whose drain is busy (it owes the most) must not look silent.
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-registry-report-" + watcher.app());
            t.setDaemon(true);
            return t;
        });
        if (report) {
            // Report, then read the entry (decision 0101): a switcher that did not see this instance's report wrote its fence
            // before the report, so the read below sees the fence, and this instance never writes behind a handover's back.
            reportQuietly();
            watcher.refresh();
        }
        watcher.onChange(onEntry);
        if (report) {
            reporter.scheduleWithFixedDelay(this::reportQuietly, 1, 1, TimeUnit.SECONDS);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The phase every new operation runs in. */
    public Phase phase() {
        return phase;
    }

    @Override
    public String name() {
        return "migrating(" + stores.get(Site.SOURCE).name() + " -> " + stores.get(Site.TARGET).name() + ")";
    }

    @Override
    public List<String> keyNames() {
        return stores.get(Site.SOURCE).keyNames();
    }

    @Override
    public void put(Map<String, AttributeValue> item) {
        putTracked(item);
    }

    /** {@link #put}, returning the phase the write ran in (it ran entirely in that one phase). */
    public Phase putTracked(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key = keyOf(item);
        Phase[] ranIn = new Phase[1];
        write(key, primary -> {
            Map<String, AttributeValue> written = putVersioned(primary, key, v -> versionAttribute.stamp(item, v));
            ranIn[0] = phase;
            return written;
        }, this::replicate);
        return ranIn[0];
    }

    /** Keeps a versioned tombstone, so that a late write of an older version can never bring the item back. */
    @Override
    public void delete(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> k = keyOf(key);
        write(k, primary -> putVersioned(primary, k, v -> versionAttribute.tombstoneOf(k, v)), this::replicate);
    }

    /** The update runs on the primary; the secondary receives the whole item as it is afterwards (idempotent). */
    @Override
    public Map<String, AttributeValue> update(Map<String, AttributeValue> key, Update update) {
        Map<String, AttributeValue> k = keyOf(key);
        Map<String, AttributeValue> after = write(k, primary -> updateVersioned(primary, k, update), this::replicate);
        return versionAttribute.visible(after).orElse(Map.of());
    }

    /**
     * Puts {@code item} only if {@code condition} holds for the stored item on the site of record (an item deleted
     * through the store counts as absent). A false condition throws {@link ErrorCode#CONDITION_FAILED} and nothing is
     * written anywhere; otherwise the other site receives the item as written, never a second evaluation.
     */
    public void putIf(Map<String, AttributeValue> item, Condition condition) {
        Map<String, AttributeValue> key = keyOf(item);
        write(key, primary -> putVersioned(primary, key, v -> versionAttribute.stamp(item, v), condition), this::replicate);
    }

    /** Deletes (keeps a tombstone) only if {@code condition} holds on the site of record; as {@link #putIf}. */
    public void deleteIf(Map<String, AttributeValue> key, Condition condition) {
        Map<String, AttributeValue> k = keyOf(key);
        write(k, primary -> putVersioned(primary, k, v -> versionAttribute.tombstoneOf(k, v), condition), this::replicate);
    }

    /** Updates only if {@code condition} holds on the site of record; returns the item afterwards; as {@link #putIf}. */
    public Map<String, AttributeValue> updateIf(Map<String, AttributeValue> key, Update update, Condition condition) {
        Map<String, AttributeValue> k = keyOf(key);
        Map<String, AttributeValue> after = write(k, primary -> updateVersioned(primary, k, update, condition), this::replicate);
        return versionAttribute.visible(after).orElse(Map.of());
    }

    /**
     * Writes all of {@code writes} or none, as one transaction on the site of record, each under its condition (a false
     * one throws {@link ErrorCode#CONDITION_FAILED} naming the write, and nothing is written anywhere). The other site
     * then receives each written item as the site of record holds it, under the version rule.
     */
    public void transact(List<Write> writes) {
        List<Map<String, AttributeValue>> keys = writes.stream().map(w -> keyOf(w.keyOrItem())).toList();
        List<Map<String, AttributeValue>> written = writes.stream().filter(w -> !(w instanceof Check)).map(w -> keyOf(w.keyOrItem()))
                .toList();
        write(keys, primary -> {
            for (int round = 0; round < MAX_VERSION_ROUNDS; round++) {
                if (stores.get(primary).transactIfNewer(writes, nextVersion(), versionAttribute)) {
                    return primary;
                }
                keys.forEach(k -> observeStored(primary, k));
            }
            throw versionRace(primary, keys.get(0));
        }, (secondary, primary) -> {
            for (Map<String, AttributeValue> k : written) {
                stores.get(primary).get(k).ifPresent(image -> replicate(secondary, image));
            }
        });
    }

    /** Writes on the site of record with a fresh version; a refusal means a newer version is stored, observed and overtaken. */
    private Map<String, AttributeValue> putVersioned(Site site, Map<String, AttributeValue> key,
                                                     Function<io.cutover.core.version.Version, Map<String, AttributeValue>> itemAt) {
        return putVersioned(site, key, itemAt, null);
    }

    private Map<String, AttributeValue> putVersioned(Site site, Map<String, AttributeValue> key,
                                                     Function<io.cutover.core.version.Version, Map<String, AttributeValue>> itemAt,
                                                     Condition condition) {
        for (int round = 0; round < MAX_VERSION_ROUNDS; round++) {
            Map<String, AttributeValue> item = itemAt.apply(nextVersion());
            if (stores.get(site).putIfNewer(item, versionAttribute, condition)) {
                return item;
            }
            observeStored(site, key);
        }
        throw versionRace(site, key);
    }

    private Map<String, AttributeValue> updateVersioned(Site site, Map<String, AttributeValue> key, Update update) {
        return updateVersioned(site, key, update, null);
    }

    private Map<String, AttributeValue> updateVersioned(Site site, Map<String, AttributeValue> key, Update update, Condition condition) {
        for (int round = 0; round < MAX_VERSION_ROUNDS; round++) {
            Optional<Map<String, AttributeValue>> after = stores.get(site).updateIfNewer(key, update, nextVersion(), versionAttribute,
                    condition);
            if (after.isPresent()) {
                return after.get();
            }
            observeStored(site, key);
        }
        throw versionRace(site, key);
    }

    /** A fresh version in this instance's epoch: the registry version of the phase it runs (decision 0075). */
    private io.cutover.core.version.Version nextVersion() {
        return clock.next(phaseVersion);
    }

    /**
     * After a refusal on the site of record: the stored version is newer. If it belongs to a later epoch, this
     * instance is running a phase the registry has left (another instance already wrote under the next one), so the
     * operation is done again under the new phase ({@link EpochBehind}); otherwise the clock overtakes it.
     */
    private void observeStored(Site site, Map<String, AttributeValue> key) {
        String stored = stores.get(site).get(key).flatMap(versionAttribute::versionOf).orElse(null);
        long epoch = io.cutover.core.version.Version.epochOf(stored);
        if (epoch > phaseVersion) {
            throw new EpochBehind(epoch);
        }
        clock.observe(stored);
    }

    /**
     * Thrown inside a write when a site holds a version of a later epoch than the write's: the write ran on the site
     * of record of a phase the registry has left. {@link #write} takes the new phase and does the operation again.
     */
    private static final class EpochBehind extends RuntimeException {
        final long epoch;
        /** Where the first attempt's write landed (null: nowhere), and what it returned. */
        Site landedOn;
        Object result;

        EpochBehind(long epoch) {
            super("a later epoch (" + epoch + ") is stored", null, false, false);
            this.epoch = epoch;
        }
    }

    private CutoverException versionRace(Site site, Map<String, AttributeValue> key) {
        return new CutoverException(ErrorCode.TRANSIENT, "the write of " + journalKey(key) + " to " + stores.get(site).name()
                + " kept meeting a newer version (" + MAX_VERSION_ROUNDS + " rounds): other writers are racing on this key; try again");
    }

    /** The secondary's write: the primary's item as it is now, under the version rule (a refusal means it holds newer). */
    private void replicate(Site secondary, Map<String, AttributeValue> image) {
        if (!stores.get(secondary).putIfNewer(image, versionAttribute)) {
            // Refused: the secondary holds a newer version. One of a later epoch means the new site of record already
            // took writes of this key while this write ran on the old one: do it again there, or its effect (an
            // increment, say) would be lost on the site that now counts.
            String stored = stores.get(secondary).get(keyOf(image)).flatMap(versionAttribute::versionOf).orElse(null);
            long mine = io.cutover.core.version.Version.epochOf(versionAttribute.versionOf(image).orElse(null));
            long theirs = io.cutover.core.version.Version.epochOf(stored);
            if (theirs > mine) {
                throw new EpochBehind(theirs);
            }
            olderRefused.incrementAndGet();
        }
    }

    @Override
    public Optional<Map<String, AttributeValue>> get(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> k = keyOf(key);
        phaseLock.readLock().lock();
        try {
            Phase p = phase;
            Site primary = p.primary();
            String journalKey = journalKey(k);
            if (journals.get(primary).pendingFor(journalKey)) {
                ReentrantLock stripe = stripe(journalKey);
                stripe.lock();
                try {
                    repair(primary, k, journalKey);
                } finally {
                    stripe.unlock();
                }
            }
            Optional<Map<String, AttributeValue>> found = stores.get(primary).get(k);
            reads.incrementAndGet();
            if (shadowReads) {
                shadow(primary.other(), k, journalKey, found);
            }
            return found.flatMap(versionAttribute::visible);
        } finally {
            phaseLock.readLock().unlock();
        }
    }

    private void shadow(Site other, Map<String, AttributeValue> key, String journalKey, Optional<Map<String, AttributeValue>> found) {
        if (journals.get(other).pendingFor(journalKey)) {
            return; // known to be behind; the drainer will fix it, it is no surprise
        }
        try {
            Optional<Map<String, AttributeValue>> theirs = stores.get(other).get(key);
            shadowCount.incrementAndGet();
            boolean same = found.isPresent() == theirs.isPresent()
                    && (found.isEmpty() || CanonicalItem.of(found.get()).equals(CanonicalItem.of(theirs.get())));
            if (!same) {
                shadowMismatches.incrementAndGet();
                LOG.debug("shadow read of {} differs between {} and {}", journalKey, Site.SOURCE, Site.TARGET);
            }
        } catch (RuntimeException e) {
            LOG.debug("shadow read failed: {}", e.getMessage());
        }
    }

    private <T> T write(Map<String, AttributeValue> key, Function<Site, T> onPrimary, java.util.function.BiConsumer<Site, T> onSecondary) {
        return write(List.of(key), onPrimary, onSecondary);
    }

    /**
     * One write of one or several keys (a transaction), under their stripe locks (taken in stripe order, so two
     * transactions cannot deadlock) and the phase's read lock: repair the primary, make the intents durable, write the
     * primary, then the secondary, then clear the intents.
     */
    private <T> T write(List<Map<String, AttributeValue>> allKeys, Function<Site, T> onPrimary,
                        java.util.function.BiConsumer<Site, T> onSecondary) {
        for (int round = 0; ; round++) {
            awaitUnfenced();
            try {
                return writeOnce(allKeys, onPrimary, onSecondary);
            } catch (Fenced f) {
                round--; // the fence went up between the check and the locks: wait for it, this was no attempt
            } catch (EpochBehind e) {
                epochRedos.incrementAndGet();
                if (round >= MAX_EPOCH_ROUNDS) {
                    throw new CutoverException(ErrorCode.TRANSIENT, "the write of " + journalKey(allKeys.get(0)) + " ran in registry version "
                            + phaseVersion + " but the other site already holds writes of version " + e.epoch + ", and this instance"
                            + " could not take that phase (" + MAX_EPOCH_ROUNDS + " tries): check that it can read the registry; try again");
                }
                catchUp(e.epoch);
                if (e.landedOn != null && phaseVersion >= e.epoch && phase.primary() == e.landedOn) {
                    // It landed on what is still the site of record, before every write of the later epoch there (else the
                    // site would have refused it), so those writes, and their copies on the other site, include it.
                    @SuppressWarnings("unchecked")
                    T done = (T) e.result;
                    return done;
                }
            }
        }
    }

    /** Takes the registry's phase of at least {@code epoch} before an operation is done again; bounded, outside every lock. */
    private void catchUp(long epoch) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        watcher.refresh();
        while (phaseVersion < epoch && System.nanoTime() < deadline) {
            RegistryEntry now = watcher.current();
            if (now.version() >= epoch) {
                applyEntry(now);
            }
            if (phaseVersion >= epoch) {
                break;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while taking the registry's new phase", ie);
            }
            watcher.refresh();
        }
    }

    /** Thrown inside {@link #writeOnce} when the fence went up before the write took its locks; nothing was done. */
    private static final class Fenced extends RuntimeException {
        static final Fenced INSTANCE = new Fenced();

        private Fenced() {
            super("fenced", null, false, false);
        }
    }

    /**
     * Waits while the site of record is handed over (bounded by {@link Builder#handoverWait}); polls the registry every
     * 20 ms meanwhile, so the write starts as soon as the new phase is written, not at the next poll.
     */
    private void awaitUnfenced() {
        if (!fenced) {
            return;
        }
        fencedWrites.incrementAndGet();
        long deadline = System.nanoTime() + handoverWait.toNanos();
        while (fenced) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CutoverException(ErrorCode.TRANSIENT, "application " + watcher.app() + ": the site of record is being handed over"
                        + " (registry version " + phaseVersion + ") and the handover did not finish within " + handoverWait.toMillis()
                        + " ms; nothing was written; try again");
            }
            synchronized (fenceMonitor) {
                if (fenced) {
                    try {
                        fenceMonitor.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 20)));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while the site of record was handed over", ie);
                    }
                }
            }
            long last = lastFenceRefresh.get();
            long now = System.nanoTime();
            if (fenced && now - last > TimeUnit.MILLISECONDS.toNanos(20) && lastFenceRefresh.compareAndSet(last, now)) {
                watcher.refresh(); // one thread polls for all the waiting ones
            }
        }
    }

    private final AtomicLong lastFenceRefresh = new AtomicLong();

    /**
     * The lease (decision 0101): in a dual-write phase, a write needs a report that reached the registry within the lease.
     * A switcher treats an instance silent for longer than the lease as stopped; this is what makes that true.
     */
    private void checkLease(Phase p, Map<String, AttributeValue> key) {
        if (!report || p.secondary().isEmpty()) {
            return;
        }
        long since = System.nanoTime() - lastReportNanos;
        if (since > lease.toNanos()) {
            throw new CutoverException(ErrorCode.TRANSIENT, "application " + watcher.app() + ": this instance has not reached the registry"
                    + " for " + TimeUnit.NANOSECONDS.toMillis(since) + " ms (lease " + lease.toMillis() + " ms), so it cannot know"
                    + " whether the site of record is being handed over; the write of " + journalKey(key) + " was not made; try again");
        }
    }

    /** Writes that waited for a handover of the site of record before they started. */
    public long fencedWrites() {
        return fencedWrites.get();
    }

    /** Whether writes are fenced now (a handover of the site of record is under way). */
    public boolean fenced() {
        return fenced;
    }

    /** Operations done again because another site already held a later epoch's write (see {@link EpochBehind}). */
    public long epochRedos() {
        return epochRedos.get();
    }

    private <T> T writeOnce(List<Map<String, AttributeValue>> allKeys, Function<Site, T> onPrimary,
                            java.util.function.BiConsumer<Site, T> onSecondary) {
        Map<String, Map<String, AttributeValue>> byJournalKey = new java.util.LinkedHashMap<>();
        allKeys.forEach(k -> byJournalKey.putIfAbsent(journalKey(k), k));
        List<String> journalKeys = List.copyOf(byJournalKey.keySet());
        List<Map<String, AttributeValue>> keys = List.copyOf(byJournalKey.values());
        List<ReentrantLock> locks = journalKeys.stream().map(this::stripe).distinct()
                .sorted(java.util.Comparator.comparingInt(l -> java.util.Arrays.asList(stripes).indexOf(l))).toList();
        phaseLock.readLock().lock();
        locks.forEach(ReentrantLock::lock);
        try {
            if (fenced) {
                throw Fenced.INSTANCE;
            }
            Phase p = phase;
            Site primary = p.primary();
            checkLease(p, keys.get(0));
            for (Map<String, AttributeValue> key : keys) {
                String journalKey = journalKey(key);
                if (journals.get(primary).pendingFor(journalKey)) {
                    repair(primary, key, journalKey);
                }
            }
            Optional<Site> secondary = p.secondary();
            boolean behind = false;
            List<Long> intents = new java.util.ArrayList<>();
            if (secondary.isPresent()) {
                // Write-ahead intent: durable before the primary is touched, so no crash or ambiguous failure loses the second write.
                RetryJournal journal = journals.get(secondary.get());
                behind = journalKeys.stream().anyMatch(journal::pendingFor);
                for (Map<String, AttributeValue> key : keys) {
                    long id = journal.append(journalKey(key), DynamoDbJson.write(key), behind ? "behind an earlier write of this key"
                            + " still owed" : "write-ahead intent: the write to " + stores.get(secondary.get()).name() + " had not completed");
                    intents.add(id);
                    if (!behind) {
                        inFlight.get(secondary.get()).add(id);
                    }
                }
            }
            try {
                return writeBoth(journalKeys, primary, secondary, behind, intents, onPrimary, onSecondary);
            } finally {
                secondary.ifPresent(s -> inFlight.get(s).removeAll(intents));
            }
        } finally {
            locks.forEach(ReentrantLock::unlock);
            phaseLock.readLock().unlock();
        }
    }

    /** The two writes of {@link #write}, under its locks, after the intents are durable. */
    private <T> T writeBoth(List<String> journalKeys, Site primary, Optional<Site> secondary, boolean behind, List<Long> intents,
                            Function<Site, T> onPrimary, java.util.function.BiConsumer<Site, T> onSecondary) {
        T result;
        try {
            result = onPrimary.apply(primary);
        } catch (EpochBehind e) {
            if (secondary.isPresent() && !behind) {
                complete(secondary.get(), journalKeys, intents); // refused: nothing was written, nothing is owed
            }
            throw e;
        } catch (CutoverException e) {
            if (e.code() == ErrorCode.CONDITION_FAILED && secondary.isPresent() && !behind) {
                complete(secondary.get(), journalKeys, intents); // nothing was written: nothing is owed
            }
            throw e; // otherwise the intents stay: the write may have landed, and the replay copies whatever it left
        }
        writes.incrementAndGet();
        if (secondary.isEmpty()) {
            return result;
        }
        Site s = secondary.get();
        if (behind) {
            journaledBehind.incrementAndGet();
            return result;
        }
        try {
            onSecondary.accept(s, result);
            complete(s, journalKeys, intents);
            secondaryWrites.incrementAndGet();
        } catch (EpochBehind e) {
            // The write landed on this phase's primary only; write() takes the new phase and, unless that primary is
            // still the site of record (then the write already counts there), does the operation again. Either way the
            // other site receives the site of record's result, so nothing from this attempt is owed.
            complete(s, journalKeys, intents);
            e.landedOn = primary;
            e.result = result;
            throw e;
        } catch (RuntimeException e) {
            intents.forEach(id -> journals.get(s).recordFailure(id, e.getMessage()));
            secondaryFailures.incrementAndGet();
            LOG.debug("secondary write to {} failed, journaled: {}", s, e.getMessage());
        }
        return result;
    }

    private void complete(Site site, List<String> journalKeys, List<Long> intents) {
        for (int i = 0; i < intents.size(); i++) {
            journals.get(site).complete(intents.get(i), journalKeys.get(i));
        }
    }

    /** Brings {@code site} up to date for one key from the other site; the caller holds the key's stripe. */
    private void repair(Site site, Map<String, AttributeValue> key, String journalKey) {
        int rounds = 0;
        while (journals.get(site).pendingFor(journalKey)) {
            // Drain this site's journal until this key's entries are gone (older entries of other keys go first, in order).
            RetryJournal.DrainResult r = journals.get(site).drain(100, e -> copy(site, e));
            drained.addAndGet(r.drained());
            repairs.incrementAndGet();
            if (r.failed() > 0 && journals.get(site).pendingFor(journalKey) || ++rounds > 1000) {
                throw new CutoverException(ErrorCode.TRANSIENT, "cannot bring " + site + " (" + stores.get(site).name()
                        + ") up to date for key " + journalKey + " before using it as the primary; try again");
            }
        }
    }

    /** Replays one journal entry: copy the key's current state from the other site onto {@code site}, if newer. */
    private void copy(Site site, RetryJournal.Entry entry) throws InterruptedException {
        Map<String, AttributeValue> key = DynamoDbJson.read(entry.payload());
        ReentrantLock stripe = stripe(entry.key());
        // A bounded wait, never a blocking one: a repair drains while holding its own key's stripe, and two
        // repairs waiting for each other's stripes would deadlock. A busy key simply waits for the next round.
        if (!stripe.tryLock(50, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("key busy, retried in the next round");
        }
        try {
            // Under the version rule, whichever site is the site of record now: a frozen or older site can never
            // overwrite a newer value, so a replay that runs late (after a switch, or after a restart) is harmless.
            Optional<Map<String, AttributeValue>> truth = stores.get(site.other()).get(key);
            boolean landed = truth.isPresent() ? stores.get(site).putIfNewer(truth.get(), versionAttribute)
                    : stores.get(site).deleteUnversioned(key, versionAttribute);
            if (!landed) {
                olderRefused.incrementAndGet();
            }
        } finally {
            stripe.unlock();
        }
    }

    /** Drains both journals once (the background drainer does this every drain interval). */
    public RetryJournal.DrainResult drainOnce() {
        int d = 0;
        int f = 0;
        int def = 0;
        phaseLock.readLock().lock();
        try {
            for (Site site : Site.values()) {
                RetryJournal.DrainResult r = journals.get(site).drain(500, e -> copy(site, e));
                d += r.drained();
                f += r.failed();
                def += r.deferred();
            }
        } finally {
            phaseLock.readLock().unlock();
        }
        drained.addAndGet(d);
        return new RetryJournal.DrainResult(d, f, def);
    }

    private void drainQuietly() {
        try {
            if (journals.get(Site.SOURCE).pending() + journals.get(Site.TARGET).pending() > 0) {
                drainOnce();
            }
        } catch (RuntimeException e) {
            LOG.warn("journal drain failed, will retry: {}", e.getMessage());
        }
    }

    /**
     * Waits for the operations in flight, then makes {@code to} the phase of every later one. The wait is bounded
     * ({@link Builder#switchWait}): while it lasts new operations queue behind it, so a slow site must not hold it for
     * seconds. When it runs out, this instance keeps serving the old phase (adjacent phases are compatible, and the
     * version rule orders their writes), reports the old version (so the next switch's clients gate waits for it), and
     * tries again every 100 ms until the slow operations have finished.
     */
    private void applyEntry(RegistryEntry e) {
        applyPhase(e.phase(), e.version(), e.handingOver());
    }

    private void applyPhase(Phase to, long version, boolean fence) {
        if (to == phase && fence == fenced) {
            phaseVersion = version;
            return;
        }
        if (to == phase && !fence) {
            // the handover was abandoned: the same phase again, writes resume
            phaseVersion = version;
            unfence();
            LOG.info("application {}: handover abandoned at version {}, writes resume in {}", watcher.app(), version, to);
            reportSoon();
            return;
        }
        boolean locked;
        try {
            locked = phaseLock.writeLock().tryLock(switchWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (!locked) {
            deferredSwitches.incrementAndGet();
            LOG.warn("application {}: operations in flight took longer than {} ms, so this instance keeps {} for now and takes {}{} once"
                    + " they finish (a site is slow)", watcher.app(), switchWait.toMillis(), phase, to, fence ? " (fenced)" : "");
            try {
                reporter.schedule(() -> applyEntry(watcher.current()), 100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the store is closed
            }
            return;
        }
        Phase from;
        try {
            from = phase;
            phase = to;
            phaseVersion = version;
            fenced = fence;
            if (from != to) {
                phaseChanges.incrementAndGet();
            }
        } finally {
            phaseLock.writeLock().unlock();
        }
        if (fence) {
            LOG.info("application {}: writes fenced at version {} while the site of record is handed over (none in flight now)",
                    watcher.app(), version);
            // deliver what the next primary is owed at once, then say so, so that the handover waits as little as possible
            try {
                drainer.execute(() -> {
                    drainQuietly();
                    reportSoon();
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the store is closed
            }
        } else {
            unfence();
            LOG.info("application {}: phase {} -> {} (reads from {}, pending for the new primary: {})", watcher.app(), from, to,
                    to.primary(), journals.get(to.primary()).pending());
        }
        reportSoon();
    }

    private void unfence() {
        fenced = false;
        synchronized (fenceMonitor) {
            fenceMonitor.notifyAll();
        }
    }

    /** Tells the operator at once that this instance took a version. */
    private void reportSoon() {
        if (report) {
            try {
                reporter.execute(this::reportQuietly);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the store is closed; nothing to report
            }
        }
    }

    /** Phase changes that waited longer than the switch wait for operations in flight, and were taken later. */
    public long deferredSwitches() {
        return deferredSwitches.get();
    }

    /** The report this instance gives the registry: its phase and what each site still owes. */
    public ClientReport report() {
        MigratingStoreStats s = stats();
        return new ClientReport(watcher.app(), instance, s.phase(), phaseVersion, s.pendingSource(), s.pendingTarget(),
                s.secondaryFailures(), s.shadowMismatches(), java.time.Instant.now().toString());
    }

    private void reportQuietly() {
        try {
            long sent = System.nanoTime();
            watcher.registry().report(report());
            lastReportNanos = sent;
            reportFailing = false;
        } catch (RuntimeException e) {
            if (!reportFailing) {
                LOG.warn("cannot report to the registry (will retry every second): {}", e.getMessage());
                reportFailing = true;
            }
        }
    }

    private static String defaultInstance() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(System.identityHashCode(new Object()));
    }

    public MigratingStoreStats stats() {
        return new MigratingStoreStats(phase, reads.get(), writes.get(), secondaryWrites.get(), secondaryFailures.get(),
                journaledBehind.get(), drained.get(), owed(Site.SOURCE), owed(Site.TARGET),
                shadowCount.get(), shadowMismatches.get(), repairs.get(), phaseChanges.get());
    }

    /** Replicated or replayed writes refused by the version rule: the other site already held a value at least as new. */
    public long olderRefused() {
        return olderRefused.get();
    }

    /** Journal entries of {@code site} that are owed: pending, not counting the intents of writes still in flight. */
    private long owed(Site site) {
        return journals.get(site).pendingExcept(java.util.List.copyOf(inFlight.get(site)));
    }

    /** The journal of writes {@code site} missed, for status pages. */
    public RetryJournal.Counts journalCounts(Site site) {
        return journals.get(site).counts();
    }

    private ReentrantLock stripe(String journalKey) {
        return stripes[Math.floorMod(journalKey.hashCode(), stripes.length)];
    }

    private static String journalKey(Map<String, AttributeValue> key) {
        return CanonicalItem.of(new TreeMap<>(key));
    }

    @Override
    public void close() {
        watcher.removeListener(onEntry);
        reporter.shutdownNow();
        drainer.shutdownNow();
        try {
            drainer.awaitTermination(5, TimeUnit.SECONDS);
            reporter.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journals.values().forEach(RetryJournal::close);
    }

    /** Settings for a {@link MigratingStore}; {@code watcher}, {@code source}, {@code target} and {@code journalDir} are required. */
    public static final class Builder {
        private RegistryWatcher watcher;
        private VersionedStore source;
        private VersionedStore target;
        private Path journalDir;
        private int stripes = 256;
        private boolean shadowReads;
        private Duration drainInterval = Duration.ofSeconds(1);
        private String instance;
        private boolean report = true;
        private VersionAttribute versionAttribute = VersionAttribute.DEFAULT;
        private Duration switchWait = Duration.ofMillis(250);
        private Duration handoverWait = Duration.ofSeconds(10);
        private Duration lease = DEFAULT_LEASE;

        public Builder watcher(RegistryWatcher watcher) {
            this.watcher = watcher;
            return this;
        }

        public Builder source(VersionedStore source) {
            this.source = source;
            return this;
        }

        public Builder target(VersionedStore target) {
            this.target = target;
            return this;
        }

        /** Where the two retry journals live (missed-by-source.db, missed-by-target.db); must survive restarts. */
        public Builder journalDir(Path dir) {
            this.journalDir = dir;
            return this;
        }

        public Builder stripes(int n) {
            this.stripes = n;
            return this;
        }

        public Builder shadowReads(boolean on) {
            this.shadowReads = on;
            return this;
        }

        public Builder drainInterval(Duration every) {
            this.drainInterval = every;
            return this;
        }

        /** This instance's name in the registry's client reports (default: host, pid and a random suffix). */
        public Builder instance(String name) {
            this.instance = name;
            return this;
        }

        /** Whether to report this instance's phase and journal debt to the registry every second (default: on; the switch gates use it). */
        public Builder reportToRegistry(boolean on) {
            this.report = on;
            return this;
        }

        /** The reserved attribute that carries each item's write version (default {@value VersionAttribute#DEFAULT_NAME}); the migration must use the same. */
        public Builder versionAttribute(String name) {
            this.versionAttribute = VersionAttribute.of(name);
            return this;
        }

        /**
         * How long a phase change waits for the operations in flight (default 250 ms); new operations queue behind it
         * meanwhile. Past it, the instance keeps the old phase until they finish (see the class comment).
         */
        public Builder switchWait(Duration wait) {
            this.switchWait = wait;
            return this;
        }

        /**
         * How long a write waits while the site of record is handed over (default 10 s) before it fails with
         * {@link ErrorCode#TRANSIENT}, having written nothing.
         */
        public Builder handoverWait(Duration wait) {
            this.handoverWait = wait;
            return this;
        }

        /**
         * The lease (default {@link #DEFAULT_LEASE}, and never longer: switchers count on it): in a dual-write phase a write
         * needs a report that reached the registry within it. Shorter leases are for tests.
         */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        public MigratingStore build() {
            List<String> problems = new java.util.ArrayList<>();
            if (watcher == null) {
                problems.add("watcher: a started RegistryWatcher for the application");
            }
            if (source == null) {
                problems.add("source: the Store of the old side");
            }
            if (target == null) {
                problems.add("target: the Store of the new side");
            }
            if (journalDir == null) {
                problems.add("journalDir: a directory that survives restarts");
            }
            if (stripes < 1) {
                problems.add("stripes: at least 1, was " + stripes);
            }
            if (drainInterval == null || drainInterval.isNegative() || drainInterval.isZero()) {
                problems.add("drainInterval: positive, was " + drainInterval);
            }
            if (switchWait == null || switchWait.isNegative()) {
                problems.add("switchWait: zero or more, was " + switchWait);
            }
            if (handoverWait == null || handoverWait.isNegative() || handoverWait.isZero()) {
                problems.add("handoverWait: positive, was " + handoverWait);
            }
            if (lease == null || lease.isNegative() || lease.isZero() || lease.compareTo(DEFAULT_LEASE) > 0) {
                problems.add("lease: positive and at most " + DEFAULT_LEASE.toSeconds() + " s (switchers treat an instance silent for"
                        + " longer as stopped), was " + lease);
            }
            if (!problems.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "MigratingStore needs " + String.join("; ", problems));
            }
            return new MigratingStore(this);
        }
    }
}
