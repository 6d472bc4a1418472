package io.cutover.cli;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.journal.RetryJournal;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.mongodb.MirroringCollection;
import io.cutover.mongodb.MongoSourceUri;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover example mongo-writer}: the runnable example application of the mirror way (the
 * classic exercise): it writes to a MongoDB collection every second (a new document, and an update,
 * replace or delete of an earlier one) through {@link MirroringCollection}, which mirrors each write
 * to DynamoDB and journals a failed mirror write durably, and prints the mirror's counts as it goes.
 */
@Command(name = "example", mixinStandardHelpOptions = true, sortOptions = false, subcommands = HeartbeatExample.class,
        description = {"Run an example application.",
                "  mongo-writer  writes to a MongoDB collection every second through MirroringCollection (dual write to DynamoDB)",
                "  heartbeat     writes a heartbeat and a counter through MigratingStore, logging every acknowledged write"},
        footer = {"", "Example:", "  cutover example mongo-writer --source mongodb://localhost:27017/shop --source-collection orders \\",
                "      --target-table orders --key-attribute dataId --endpoint-url http://localhost:8000"})
public final class ExampleCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The example: mongo-writer (heartbeat is a subcommand).")
    String name;

    @Option(names = "--source", paramLabel = "URI", description = "mongodb://[user:password@]host:port/database (required).")
    String sourceUri;

    @Mixin
    MongoSourceOptions mongo;

    @Option(names = "--target-table", paramLabel = "NAME", description = "The DynamoDB table the mirror writes to (it must exist; required).")
    String targetTable;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--journal", paramLabel = "FILE", defaultValue = ".cutover/mirror-journal.db", description = "The mirror's durable retry journal (default: ${DEFAULT-VALUE}).")
    Path journalFile;

    @Option(names = "--every-ms", paramLabel = "MS", defaultValue = "1000", description = "Pause between writes (default: ${DEFAULT-VALUE}).")
    long everyMillis;

    @Option(names = "--writes", paramLabel = "N", defaultValue = "0", description = "Stop after N writes (default: run until Ctrl-C).")
    long writes;

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() throws Exception {
        if (name == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "name an example: 'cutover example mongo-writer ...' or 'cutover example heartbeat ...'");
        }
        if (!"mongo-writer".equals(name)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "unknown example '" + name + "': the examples are: mongo-writer, heartbeat");
        }
        if (sourceUri == null || targetTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "example mongo-writer needs --source and --target-table");
        }
        MongoSourceUri uri = MongoSourceUri.parse(sourceUri);
        if (mongo.collection == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-collection is required");
        }
        io.cutover.mongodb.DocumentMapping mapping = mongo.mapping();
        Printer p = printer();
        try (MongoClient client = MongoClients.create(uri.uri());
             DynamoDbClient ddb = DynamoDbClients.create(connection.target(), 8);
             RetryJournal journal = RetryJournal.open(journalFile)) {
            MongoCollection<org.bson.Document> collection = client.getDatabase(uri.database()).getCollection(mongo.collection);
            org.bson.Document last = collection.find().sort(new org.bson.Document("_id", -1)).limit(1).first();
            int existing = last != null && last.get("_id") instanceof Number n ? n.intValue() + 1 : 0;
            try (MirroringCollection mirror = new MirroringCollection(collection, mapping, ddb, targetTable, journal, 1000)) {
                MongoDemoWriter writer = new MongoDemoWriter(collection, mirror, existing, 0, false);
                p.note("writing to " + uri.masked() + " collection " + mongo.collection + " every " + everyMillis + " ms, mirrored to "
                        + targetTable + "; Ctrl-C to stop");
                Thread runner = new Thread(() -> {
                    for (long n = 0; writes == 0 || n < writes; n++) {
                        writer.step();
                        MirroringCollection.Metrics m = mirror.metrics();
                        p.note(String.format(Locale.ROOT, "write %,d: mirrored %,d, journaled %,d, drained %,d, pending %,d", n + 1, m.mirrored(),
                                m.journaled(), m.drained(), m.pending()));
                        try {
                            Thread.sleep(everyMillis);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "example-writer");
                try (StopOnSignal signal = StopOnSignal.install(runner::interrupt)) {
                    runner.start();
                    runner.join();
                    while (journal.pending() > 0 && mirror.drainNow() > 0) {
                        // drain what is drainable before exiting; the rest stays in the journal for the next start
                    }
                    MirroringCollection.Metrics m = mirror.metrics();
                    p.result(m, x -> String.format(Locale.ROOT, "mirror: %,d mirrored, %,d journaled, %,d drained, %,d pending (kept in %s)%n",
                            x.mirrored(), x.journaled(), x.drained(), x.pending(), journalFile));
                }
                if (writer.failure() != null) {
                    throw writer.failure();
                }
            }
        }
        return 0;
    }
}
