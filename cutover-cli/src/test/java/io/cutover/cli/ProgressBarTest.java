package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void countsWrittenItemsAgainstTheEstimate() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), false, true)) {
            bar.tableStarted("shop.orders", "orders", 20_050, 0);
            bar.written(1_000);
            bar.written(250);
            bar.finish();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("shop.orders -> orders: 1,250/20,050 items"), text);
    }

    @Test
    void withoutAnEstimateShowsACountAndNoFakeTotal() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), true, true)) {
            bar.tableStarted("public.logs", "logs", 0, 0);
            bar.written(42);
            bar.render();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("public.logs -> logs 42 items"), text);
        assertFalse(text.contains("0/0") || text.contains("42/42"), text);
    }

    @Test
    void aFinishedTableLeavesOneFinalLineAndThenSilence() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), true, true)) {
            bar.tableStarted("shop.orders", "orders", 10, 0);
            bar.written(10);
            bar.tableFinished(null);
            String finished = out.toString(StandardCharsets.UTF_8);
            assertTrue(finished.contains("10/10 items"), finished);
            bar.render();
            assertTrue(out.toString(StandardCharsets.UTF_8).equals(finished), "nothing after the table finished: " + out);
        }
    }
}
