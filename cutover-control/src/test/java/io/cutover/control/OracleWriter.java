package io.cutover.control;

import io.cutover.client.CutOverFixture;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.FaultyStore;
import io.cutover.client.MigratingStore;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Site;
import io.cutover.client.Store;
import io.cutover.local.LocalTables;
import java.io.FileWriter;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One application instance of {@link OracleIT}, run as its own process: puts and deletes of its own ten keys and
 * read-modify-write increments of one shared counter, through a {@link MigratingStore}, each logged as a JSON line
 * once acknowledged ({@code begin} lines before each operation, so an operation cut short by a kill is known). Faults
 * on request: the file {@code kill-INSTANCE} makes the next put's secondary halt the process (kill -9 between its two
 * writes); {@code slow-INSTANCE} makes the next operation's secondary take 1.5 s; {@code ambiguous-INSTANCE} makes
 * the next operation's secondary write land and then time out. Holds between operations while
 * {@code pause} exists; stops when {@code stop} exists. Arguments: source endpoint, target endpoint, registry table (on
 * the source endpoint), app, source table, target table, work directory, instance, seed.
 */
public final class OracleWriter {
    private OracleWriter() {
    }

    public static void main(String[] args) throws Exception {
        DynamoDbClient client = LocalTables.client(URI.create(args[0]));
        DynamoDbClient targetClient = LocalTables.client(URI.create(args[1]));
        Path work = Path.of(args[6]);
        String instance = args[7];
        EndpointRegistry registry = new EndpointRegistry(client, args[2]);
        FaultyStore source = new FaultyStore(DynamoDbStore.of(client, args[4]));
        FaultyStore target = new FaultyStore(DynamoDbStore.of(targetClient, args[5]));
        Random random = new Random(Long.parseLong(args[8]));
        try (RegistryWatcher watcher = new RegistryWatcher(registry, args[3], Duration.ofMillis(100)).start();
             MigratingStore store = MigratingStore.builder().watcher(watcher).source(source).target(target)
                     .journalDir(work.resolve("journal-" + instance)).instance(instance).drainInterval(Duration.ofMillis(200)).build();
             Writer log = new FileWriter(work.resolve("oracle-" + instance + ".jsonl").toFile(), true)) {
            long seq = System.currentTimeMillis() * 1000; // unique across restarts of this instance
            while (!Files.exists(work.resolve("stop"))) {
                if (Files.exists(work.resolve("pause"))) {
                    Thread.sleep(20);
                    continue;
                }
                seq++;
                int op = random.nextInt(20);
                String id = instance + "-k" + random.nextInt(10);
                FaultyStore secondary = store.phase().secondary().map(s -> s == Site.SOURCE ? source : target).orElse(null);
                if (secondary != null && Files.deleteIfExists(work.resolve("slow-" + instance))) {
                    secondary.slowMillis = 1500;
                    secondary.fault = FaultyStore.Fault.SLOW;
                }
                if (secondary != null && Files.deleteIfExists(work.resolve("ambiguous-" + instance))) {
                    secondary.fault = FaultyStore.Fault.LAND_THEN_TIME_OUT; // the write lands, then the caller sees a timeout
                }
                String kind = op < 10 ? "put" : op < 13 ? "delete" : "incr";
                if (secondary != null && kind.equals("put") && Files.exists(work.resolve("kill-" + instance))) {
                    Files.delete(work.resolve("kill-" + instance));
                    secondary.fault = FaultyStore.Fault.HALT_BEFORE_WRITE;
                }
                String value = "v" + seq;
                line(log, "{\"begin\":" + seq + ",\"op\":\"" + kind + "\",\"key\":\"" + (kind.equals("incr") ? "counter" : id)
                        + "\",\"value\":\"" + value + "\"}");
                try {
                    switch (kind) {
                        case "put" -> store.put(CutOverFixture.item(id, value));
                        case "delete" -> store.delete(CutOverFixture.key(id));
                        default -> store.update(CutOverFixture.key("counter"), new Store.Update("ADD #n :one", Map.of("#n", "n"),
                                Map.of(":one", AttributeValue.fromN("1"))));
                    }
                    line(log, "{\"seq\":" + seq + ",\"op\":\"" + kind + "\",\"key\":\"" + (kind.equals("incr") ? "counter" : id)
                            + "\",\"value\":\"" + value + "\",\"site\":\"" + store.phase().primary() + "\",\"ackedAtMs\":"
                            + System.currentTimeMillis() + "}");
                } catch (RuntimeException e) {
                    line(log, "{\"failed\":" + seq + "}");
                }
                if (secondary != null) {
                    secondary.fault = FaultyStore.Fault.NONE;
                }
                Thread.sleep(5);
            }
        }
        System.exit(0);
    }

    private static void line(Writer log, String json) throws IOException {
        log.write(json);
        log.write('\n');
        log.flush();
    }
}
