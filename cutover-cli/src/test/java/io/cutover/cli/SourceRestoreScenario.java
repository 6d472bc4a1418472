package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.result.MigrationStatus;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Point-in-time restore from a MongoDB or SQL source, end to end: a live migration captures while the test writes
 * (puts of new keys, updates, deletes, re-inserts), keeping its own record of every acknowledged write; an
 * {@code archive snapshot} of the source is taken while a burst of writes runs, and a second one later; after every
 * burst the test writes a marker key, waits until capture has logged it (so every earlier write too) and marks the
 * instant and the log position, so the record says exactly what the table held there. Restoring to each mark (by time and by position) must give exactly
 * that. Then {@code archive sync --archive-retention} prunes the first base and the segment before the second, and a
 * restore to an early mark is refused naming the oldest restorable time, while later marks still restore exactly, from
 * segments that {@code --compact-after 0} merged into one.
 *
 * <p>A subclass supplies the source: its writes, how the migration runs, and the snapshot's source flags.
 */
abstract class SourceRestoreScenario {
    /** One marked instant: its time, the log's last position, and the state the test's record gives there. */
    record Mark(Instant time, long position, Map<String, Integer> state) {
    }

    static final int KEYS = 40;
    final Map<String, Integer> model = new TreeMap<>();
    final Random random = new Random(14);
    final List<Mark> marks = new ArrayList<>();

    int nextValue = 1;
    LocalDynamoDb dynamo;
    DynamoDbClient client;
    Path state;
    Path archive;

    /** Inserts (absent) or changes (present) the key so that it holds {@code v}. */
    abstract void write(String key, int v, boolean present) throws Exception;

    abstract void remove(String key) throws Exception;

    /** Runs the migration until stopped, reporting its status; blocks. */
    abstract MigrationStatus migrate(java.util.function.Consumer<MigrationStatus> onStatus) throws Exception;

    abstract void stopMigration();

    /** {@code --source ...} and the mapping flags, as migrate was given them. */
    abstract List<String> sourceFlags();

    /** The test's key of a restored item. */
    abstract String keyOf(Map<String, AttributeValue> item);

    /** {@code --into-source URI} and the mapping flags that turn the archive's items back into the source's rows or documents. */
    abstract List<String> intoSourceFlags();

    /** Makes {@code name} ready to be restored into (a SQL table with the source's columns; nothing for a collection). */
    abstract void createIntoSourceTarget(String name) throws Exception;

    /** The restored table or collection as the test's record: key to {@code v}. */
    abstract Map<String, Integer> intoSourceState(String name) throws Exception;

    /**
     * Asserts the restored {@code name} holds the source's rows or documents with their values and types, the source being
     * unchanged since the restore's point.
     */
    abstract void assertSameAsSource(String name) throws Exception;

    private void put(String key) throws Exception {
        int v = nextValue++;
        write(key, v, model.containsKey(key));
        model.put(key, v);
    }

    private void delete(String key) throws Exception {
        remove(key);
        model.remove(key);
    }

    /** Every write changes the table: new keys, updates, deletes, re-inserts of deleted keys. */
    void burst(int ops) throws Exception {
        for (int i = 0; i < ops; i++) {
            String key = "k" + random.nextInt(KEYS);
            if (model.containsKey(key) && random.nextInt(3) == 0) {
                delete(key);
            } else {
                put(key);
            }
        }
    }

    /** Keys written before the migration starts: the backfill copies them, capture never sees them. */
    void preload(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            int v = nextValue++;
            write("k" + i, v, false);
            model.put("k" + i, v);
        }
    }

    /**
     * Inserts a marker key (a write like any other, in the record too) and waits until capture has logged it: the stream
     * is in order, so every earlier write is then logged. Counting changes is not enough: mongo-java-server sends an update
     * whose document was deleted before the event was read without its key, and capture skips it (its delete follows).
     * The mark is then the instant and the log's last position, before the next write.
     */
    Mark mark() throws Exception {
        String marker = "m" + marks.size();
        int v = nextValue++;
        write(marker, v, false);
        model.put(marker, v);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long position;
        while ((position = loggedAt(marker)) < 0) {
            assertTrue(System.nanoTime() < deadline, "capture did not log the marker " + marker + " in 60 s");
            Thread.sleep(20);
        }
        Thread.sleep(5); // the capture clock is in milliseconds: the mark is after every logged change, before the next write
        Mark m = new Mark(Instant.now(), position, new TreeMap<>(model));
        Thread.sleep(5);
        marks.add(m);
        return m;
    }

    /** The log's last position once a change of {@code marker} is in it, else -1. */
    private long loggedAt(String marker) {
        long after = marks.isEmpty() ? 0 : marks.get(marks.size() - 1).position();
        try (SqliteChangeLog log = SqliteChangeLog.openForReading(state.resolve("changes.db"))) {
            boolean found = false;
            long last = log.lastSequence();
            for (List<ChangeRecord> page = log.read(after, 1000, 1 << 24); !page.isEmpty();
                 page = log.read(page.get(page.size() - 1).logSequence(), 1000, 1 << 24)) {
                found |= page.stream().anyMatch(c -> keyOf(c.key()).equals(marker));
                last = Math.max(last, page.get(page.size() - 1).logSequence());
            }
            // lastSequence() is the counter as the log was opened: capture may have appended the marker since, so the
            // last sequence read counts too (the first version of this test took the counter alone, and failed when it lagged)
            return found ? last : -1;
        }
    }

    Map<String, Integer> table(String name) {
        Map<String, Integer> out = new TreeMap<>();
        client.scanPaginator(b -> b.tableName(name).consistentRead(true)).items()
                .forEach(i -> out.put(keyOf(i), Integer.parseInt(i.get("v").n())));
        return out;
    }

    private CliRun snapshot() {
        List<String> args = new ArrayList<>(List.of("archive", "snapshot", "--state-dir", state.toString(), "--archive", archive.toString(),
                "--no-progress", "--output", "json"));
        args.addAll(sourceFlags());
        return CliRun.of(args.toArray(String[]::new));
    }

    /**
     * A snapshot taken while the source is written without a pause, from before the command starts until it returns (and
     * at least {@code ops} writes): the read and the replay of the log after its recorded position must agree.
     */
    private void snapshotDuring(int ops) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            burst(5);
            Future<CliRun> snap = one.submit(this::snapshot);
            for (int n = 0; n < ops || !snap.isDone(); n++) {
                burst(1);
            }
            CliRun r = snap.get(120, TimeUnit.SECONDS);
            assertEquals(0, r.exitCode(), r.all());
        } finally {
            one.shutdownNow();
        }
    }

    private CliRun restore(String target, String... point) {
        List<String> args = new ArrayList<>(List.of("restore", "--endpoint-url", dynamo.endpoint().toString(), "--archive",
                archive.toString(), "--target-table", target, "--state-dir", state.resolveSibling("restore-" + target).toString(),
                "--verify", "--no-progress"));
        args.addAll(List.of(point));
        return CliRun.of(args.toArray(String[]::new));
    }

    private void assertRestores(String label, Mark m, boolean byPosition) {
        String target = LocalTables.uniqueName("restored-" + label);
        CliRun r = byPosition ? restore(target, "--to-position", Long.toString(m.position()))
                : restore(target, "--to-time", m.time().toString());
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(m.state(), table(target), "the table as it was at " + (byPosition ? "position " + m.position() : m.time()));
    }

    CliRun restoreIntoSource(String target, String stateName, String... more) {
        List<String> args = new ArrayList<>(List.of("restore", "--archive", archive.toString(), "--target-table", target, "--state-dir",
                state.resolveSibling("into-" + stateName).toString(), "--no-progress", "--parallelism", "2", "--write-concurrency", "4"));
        args.addAll(intoSourceFlags());
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /**
     * {@code restore --into-source}: into fresh tables at several marks, each exactly the record's state there (and
     * {@code --verify} identical); the last equal to the source itself, types included; into a non-empty one refused
     * without {@code --replace} and nothing changed; with {@code --replace} (after a dry run that counts what it would
     * delete) the non-empty one ends equal to an earlier mark's state.
     */
    void restoresIntoTheSource(Mark last) throws Exception {
        int[] picks = {0, 2, marks.size() - 1};
        for (int i : picks) {
            Mark m = marks.get(i);
            String target = "into_" + i;
            createIntoSourceTarget(target);
            CliRun r = restoreIntoSource(target, target, "--to-time", m.time().toString(), "--verify");
            assertEquals(0, r.exitCode(), r.all());
            assertTrue(r.out().contains("identical") || r.out().contains("IDENTICAL"), r.all());
            assertEquals(m.state(), intoSourceState(target), "restored into the source's kind as at " + m.time());
        }
        String lastTarget = "into_" + (marks.size() - 1);
        assertEquals(last.state(), intoSourceState(lastTarget));
        assertSameAsSource(lastTarget);

        Mark early = marks.get(1);
        assertNotEquals(early.state(), last.state());
        CliRun refused = restoreIntoSource(lastTarget, "refused", "--to-time", early.time().toString());
        assertEquals(3, refused.exitCode(), refused.all());
        assertTrue(refused.all().contains("already holds") && refused.all().contains("--replace"), refused.all());
        assertFalse(refused.all().contains("Exception"), "no stack trace for a user error: " + refused.all());
        assertEquals(last.state(), intoSourceState(lastTarget), "a refused restore changes nothing");

        long stale = last.state().keySet().stream().filter(k -> !early.state().containsKey(k)).count();
        assertTrue(stale > 0, "the later state holds keys the earlier one does not");
        CliRun plan = restoreIntoSource(lastTarget, "replace", "--to-time", early.time().toString(), "--replace", "--dry-run",
                "--output", "json");
        assertEquals(0, plan.exitCode(), plan.all());
        assertTrue(plan.out().replace(" ", "").contains("\"itemsDeleted\":" + stale + ","), "the dry run counts the " + stale + " keys to delete: " + plan.all());
        assertEquals(last.state(), intoSourceState(lastTarget), "a dry run changes nothing");
        CliRun replaced = restoreIntoSource(lastTarget, "replace", "--to-time", early.time().toString(), "--replace", "--verify");
        assertEquals(0, replaced.exitCode(), replaced.all());
        assertEquals(early.state(), intoSourceState(lastTarget), "--replace makes the table equal to the earlier point");
        System.out.println(replaced.out()); // figures, in the failsafe output file
    }

    void run(Path dir) throws Exception {
        dynamo = LocalTables.shared();
        client = LocalTables.client(dynamo);
        state = dir.resolve("migrate");
        archive = dir.resolve("archive");
        preload(20);
        AtomicReference<MigrationStatus> last = new AtomicReference<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<MigrationStatus> running = pool.submit(() -> migrate(last::set));
        try {
            awaitInSync(last, running);
            snapshotDuring(60);
            mark();
            for (int b = 0; b < 2; b++) {
                burst(60);
                mark();
            }
            CliRun sync = CliRun.of("archive", "sync", "--state-dir", state.toString(), "--archive", archive.toString(), "--output", "json",
                    "--segment-changes", "25"); // small segments, for retention and compaction to work on
            assertEquals(0, sync.exitCode(), sync.all());
            snapshotDuring(60);
            mark();
            burst(60);
            mark();
            Thread.sleep(1_200); // the second snapshot ends more than the retention below before the pruning sync
            burst(30);
            Mark last4 = mark();
            CliRun sync2 = CliRun.of("archive", "sync", "--state-dir", state.toString(), "--archive", archive.toString(), "--output", "json",
                    "--segment-changes", "25");
            assertEquals(0, sync2.exitCode(), sync2.all());
            for (int i = 0; i < marks.size(); i++) {
                assertRestores("t" + i, marks.get(i), false);
            }
            assertRestores("p1", marks.get(1), true);
            assertRestores("p4", last4, true);
            restoresIntoTheSource(last4);
            assertNotEquals(marks.get(0).state(), last4.state(), "the writer changed the table between the first and last marks");

            ArchiveManifest before = ArchiveManifest.require(archive);
            assertEquals(2, before.snapshots().size());
            ArchiveEntry second = before.snapshots().get(1);
            long prunable = before.changes().stream().filter(c -> c.lastSequence() <= second.firstSequence()).count();
            assertTrue(prunable >= 2, "segments before the second base: " + before.changes());
            CliRun prune = CliRun.of("archive", "sync", "--state-dir", state.toString(), "--archive", archive.toString(),
                    "--archive-retention", "1s", "--compact-after", "0", "--no-progress");
            assertEquals(0, prune.exitCode(), prune.all());
            assertTrue(prune.out().contains("Retention: deleted " + (1 + prunable) + " files"),
                    "the first snapshot and every segment before the second: " + prune.all());
            ArchiveManifest after = ArchiveManifest.require(archive);
            assertEquals(List.of(second.name()), after.snapshots().stream().map(ArchiveEntry::name).toList());
            assertFalse(Files.exists(archive.resolve(before.snapshots().get(0).name())), "the pruned snapshot's file is deleted");
            assertTrue(after.changes().stream().allMatch(c -> c.lastSequence() > second.firstSequence()));
            assertEquals(1, after.changes().size(), "the segments after the second base are merged into one: " + prune.all());
            assertTrue(before.changes().size() - prunable > 1, "there was more than one to merge");
            System.out.println(sync.out() + sync2.out() + prune.out()); // figures, in the failsafe output file

            CliRun early = restore(LocalTables.uniqueName("restored-early"), "--to-time", marks.get(1).time().toString());
            assertEquals(2, early.exitCode(), early.all());
            assertTrue(early.all().contains("oldest restorable point, " + Instant.ofEpochMilli(second.readAtMillis())), early.all());
            assertFalse(early.all().contains("Exception"), "no stack trace for a user error: " + early.all());
            assertRestores("after-prune", marks.get(3), false);
            assertRestores("after-prune-last", last4, true);
        } finally {
            stopMigration();
            try {
                running.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
                client.close();
            }
        }
    }

    private static void awaitInSync(AtomicReference<MigrationStatus> last, Future<?> running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            MigrationStatus s = last.get();
            if (running.isDone()) {
                running.get();
            }
            if (s != null && s.phase().equals("IN_SYNC")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the migration did not reach IN_SYNC in 90 s: " + last.get());
    }
}
