package io.cutover.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C or SIGTERM into a clean stop: the JVM's shutdown hook asks the work to stop, then
 * waits (at most 60 s) until {@link #close} says the result was printed, so the user sees it
 * before the process exits. Use it in try-with-resources around the run and the printing.
 */
final class StopOnSignal implements AutoCloseable {
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private StopOnSignal(Runnable requestStop) {
        hook = new Thread(() -> {
            System.err.println("\ncutover: stopping after the writes in flight are acknowledged; run the same command again to resume");
            requestStop.run();
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cutover-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static StopOnSignal install(Runnable requestStop) {
        return new StopOnSignal(requestStop);
    }

    /** The result is printed: a shutdown in progress may go on. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is running and now returns.
        }
    }
}
