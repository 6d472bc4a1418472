package io.cutover.cli;

import io.cutover.local.LocalDynamoDb;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cutover local}: runs DynamoDB Local (in memory) until Ctrl-C, to try Cutover without an AWS account. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Run DynamoDB Local in memory on a loopback port until Ctrl-C.",
                "Try 'cutover copy --endpoint-url http://127.0.0.1:PORT' against it without an AWS account."})
public final class LocalCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "N", defaultValue = "8000", description = "Port (default: ${DEFAULT-VALUE}; 0 for any free port).")
    int port;

    @Override
    public Integer call() throws InterruptedException {
        LocalDynamoDb db = LocalDynamoDb.startInProcess(port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            db.close();
            stopped.countDown();
        }));
        System.out.println("DynamoDB Local (in memory) is listening on " + db.endpoint() + "; Ctrl-C stops it.");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
