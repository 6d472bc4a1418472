package io.cutover.client;

import io.cutover.local.LocalTables;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An application instance, run as its own process by {@link WriteAheadIntentIT}: it writes one item through a
 * {@link MigratingStore} whose secondary halts the process before its write, as {@code kill -9} between the two writes.
 * Arguments: endpoint, registry table, app, source table, target table, journal directory, item id.
 */
public final class CrashBetweenWrites {
    private CrashBetweenWrites() {
    }

    public static void main(String[] args) {
        DynamoDbClient client = LocalTables.client(URI.create(args[0]));
        EndpointRegistry registry = new EndpointRegistry(client, args[1]);
        RegistryWatcher watcher = new RegistryWatcher(registry, args[2], Duration.ofSeconds(30)).start();
        Phase phase = watcher.current().phase();
        FaultyStore source = new FaultyStore(DynamoDbStore.of(client, args[3]));
        FaultyStore target = new FaultyStore(DynamoDbStore.of(client, args[4]));
        (phase.primary() == Site.SOURCE ? target : source).fault = FaultyStore.Fault.HALT_BEFORE_WRITE;
        MigratingStore store = MigratingStore.builder().watcher(watcher).source(source).target(target).journalDir(Path.of(args[5]))
                .drainInterval(Duration.ofHours(1)).reportToRegistry(false).build();
        store.put(Map.of("pk", AttributeValue.fromS(args[6]), "sk", AttributeValue.fromS("x"), "value", AttributeValue.fromS("acked?")));
        System.exit(3); // not reached: the secondary halts the process
    }
}
