package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MigrateCommandTest {
    @Test
    void retentionsAreWholeNumbersWithAUnitOrZero() {
        assertEquals(Duration.ofHours(3), MigrateCommand.duration("--log-retention", "3h"));
        assertEquals(Duration.ofMinutes(90), MigrateCommand.duration("--log-retention", "90m"));
        assertEquals(Duration.ofDays(2), MigrateCommand.duration("--log-retention", "2d"));
        assertEquals(Duration.ofSeconds(30), MigrateCommand.duration("--stream-retention", "30s"));
        assertEquals(Duration.ZERO, MigrateCommand.duration("--log-retention", "0"));
    }

    @Test
    void aRetentionWithoutAUnitIsRefusedNamingTheFlag() {
        for (String bad : new String[] {"3", "-1h", "3 hours", "PT3H", ""}) {
            CutoverException e = assertThrows(CutoverException.class, () -> MigrateCommand.duration("--log-retention", bad));
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
            assertTrue(e.getMessage().startsWith("--log-retention"), e.getMessage());
        }
    }
}
