package io.cutover.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetryJournalTest {
    @TempDir
    Path dir;

    @Test
    void entriesSurviveReopenAndDrainOldestFirst() {
        Path file = dir.resolve("journal.db");
        try (RetryJournal j = RetryJournal.open(file)) {
            j.append("a", "a1", "timeout");
            j.append("b", "b1", "throttled");
            j.append("a", "a2", "timeout");
        }
        List<String> replayed = new ArrayList<>();
        try (RetryJournal j = RetryJournal.open(file)) {
            assertTrue(j.pendingFor("a"));
            assertEquals(3, j.pending());
            RetryJournal.DrainResult r = j.drain(10, e -> replayed.add(e.payload()));
            assertEquals(new RetryJournal.DrainResult(3, 0, 0), r);
            assertFalse(j.pendingFor("a"));
            assertEquals(new RetryJournal.Counts(3, 3, 0), j.counts());
        }
        assertEquals(List.of("a1", "b1", "a2"), replayed);
        try (RetryJournal j = RetryJournal.open(file)) {
            assertEquals(new RetryJournal.Counts(3, 3, 0), j.counts());
        }
    }

    @Test
    void aFailedEntryKeepsItsReasonAndHoldsBackLaterEntriesOfTheSameKeyOnly() {
        try (RetryJournal j = RetryJournal.open(dir.resolve("j.db"))) {
            j.append("a", "a1", "first failure");
            j.append("b", "b1", "x");
            j.append("a", "a2", "x");
            List<String> replayed = new ArrayList<>();
            RetryJournal.DrainResult r = j.drain(10, e -> {
                if (e.payload().equals("a1")) {
                    throw new IllegalStateException("still down");
                }
                replayed.add(e.payload());
            });
            assertEquals(new RetryJournal.DrainResult(1, 1, 1), r);
            assertEquals(List.of("b1"), replayed);
            RetryJournal.Entry head = j.oldest(1).get(0);
            assertEquals("a1", head.payload());
            assertEquals(2, head.attempts());
            assertEquals("still down", head.lastError());
            assertTrue(j.pendingFor("a"));
            assertFalse(j.pendingFor("b"));
            j.drain(10, e -> replayed.add(e.payload()));
            assertEquals(List.of("b1", "a1", "a2"), replayed);
            assertEquals(new RetryJournal.Counts(3, 3, 0), j.counts());
        }
    }
}
