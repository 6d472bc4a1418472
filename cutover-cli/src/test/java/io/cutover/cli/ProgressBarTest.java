package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private ProgressBar bar(boolean terminal) {
        return new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), terminal, true);
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void countsWrittenItemsAgainstTheEstimate() {
        try (ProgressBar bar = bar(false)) {
            bar.tableStarted("shop.orders", "orders", 20_050, 0);
            bar.written(1_000);
            bar.written(250);
            bar.finish();
        }
        assertTrue(printed().contains("shop.orders -> orders: 1,250/20,050 items"), printed());
    }

    @Test
    void withoutAnEstimateShowsACountAndNoFakeTotal() {
        try (ProgressBar bar = bar(true)) {
            bar.tableStarted("public.logs", "logs", 0, 0);
            bar.written(42);
            bar.render();
        }
        assertTrue(printed().contains("public.logs -> logs 42 items"), printed());
        assertFalse(printed().contains("0/0") || printed().contains("42/42"), printed());
    }

    @Test
    void aFinishedTableLeavesOneFinalLineAndThenSilence() {
        try (ProgressBar bar = bar(true)) {
            bar.tableStarted("shop.orders", "orders", 10, 0);
            bar.written(10);
            bar.tableFinished(null);
            String finished = printed();
            assertTrue(finished.contains("10/10 items"), finished);
            bar.render();
            assertEquals(finished, printed(), "nothing after the table finished");
        }
    }
}
