package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {
    @TempDir
    Path dir;

    @Test
    void generatesARandomTokenReadableByTheOwnerOnlyAndReadsItBackNextTime() throws Exception {
        Path file = dir.resolve("sub/api-token");
        ApiToken.Loaded first = ApiToken.load(null, file);
        assertTrue(first.generated());
        assertEquals(64, first.token().length());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        ApiToken.Loaded again = ApiToken.load(null, file);
        assertFalse(again.generated());
        assertEquals(first.token(), again.token());
        assertFalse(first.toString().contains(first.token()), "the token never appears in a printed value");
        ApiToken.Loaded other = ApiToken.load(null, dir.resolve("other"));
        assertFalse(other.token().equals(first.token()));
    }

    @Test
    void theEnvironmentWinsAndShortTokensAreRefused() throws Exception {
        ApiToken.Loaded env = ApiToken.load("  from-the-environment-123  ", dir.resolve("unused"));
        assertEquals("from-the-environment-123", env.token());
        assertNull(env.file());
        assertFalse(Files.exists(dir.resolve("unused")));
        assertThrows(CutoverException.class, () -> ApiToken.load("short", dir.resolve("unused")));
        Files.writeString(dir.resolve("weak"), "abc\n");
        CutoverException e = assertThrows(CutoverException.class, () -> ApiToken.load(null, dir.resolve("weak")));
        assertTrue(e.getMessage().contains("delete it to have a new one generated"), e.getMessage());
    }
}
