package io.cutover.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileCheckpointStoreTest extends CheckpointStoreContract {
    @TempDir
    Path temp;

    private Path root() {
        return temp.resolve("state").resolve("checkpoints");
    }

    @Override
    protected CheckpointStore newStore() {
        return new FileCheckpointStore(root());
    }

    @Test
    void checkpointsSurviveANewStoreOnTheSameDirectory() {
        UnitCheckpoint cp = new UnitCheckpoint("segment-00003-of-00008", "{\"pk\":{\"N\":\"12\"}}", false, 500, 65536);
        store.save("orders--to--orders2", cp);

        CheckpointStore reopened = new FileCheckpointStore(root());

        assertEquals(Optional.of(cp), reopened.load("orders--to--orders2", "segment-00003-of-00008"));
        assertEquals(Map.of(cp.unitId(), cp), reopened.loadAll("orders--to--orders2"));
    }

    @Test
    void eachUnitIsOneJsonFileUnderItsScopeAndNoTemporaryFileRemains() throws IOException {
        store.save("scope", new UnitCheckpoint("u1", "p", false, 1, 1));
        store.save("scope", new UnitCheckpoint("u1", "q", false, 2, 2));
        store.save("scope", new UnitCheckpoint("u2", "p", false, 1, 1));

        try (Stream<Path> files = Files.list(root().resolve("scope"))) {
            assertEquals(List.of("u1.json", "u2.json"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void leftoverTemporaryFileFromACrashDoesNotBreakLoadAll() throws IOException {
        UnitCheckpoint saved = new UnitCheckpoint("u1", "good", false, 10, 100);
        store.save("scope", saved);
        Path dir = root().resolve("scope");
        // A crash between writing the temporary file and renaming it leaves a torn .tmp behind.
        Files.writeString(dir.resolve("u1.json.tmp"), "{\"unitId\":\"u1\",\"posi", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("u2.json.tmp"), "", StandardCharsets.UTF_8);

        assertEquals(Map.of("u1", saved), store.loadAll("scope"));
        assertEquals(Optional.of(saved), store.load("scope", "u1"));
        assertEquals(Optional.empty(), store.load("scope", "u2"), "a unit with only a torn temporary file has no checkpoint");
    }

    @Test
    void saveOverALeftoverTemporaryFileSucceeds() throws IOException {
        Path dir = root().resolve("scope");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("u1.json.tmp"), "x".repeat(10_000), StandardCharsets.UTF_8);
        UnitCheckpoint cp = new UnitCheckpoint("u1", "p", false, 1, 1);

        store.save("scope", cp);

        assertEquals(Optional.of(cp), store.load("scope", "u1"));
        assertFalse(Files.exists(dir.resolve("u1.json.tmp")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "{\"unitId\":\"u1\",\"position\":\"p\",\"comp", "[1,2,3]", "{}",
            "{\"unitId\":\"u1\",\"position\":null,\"complete\":false,\"items\":-5,\"bytes\":0}",
            "{\"unitId\":\"u1\",\"complete\":\"maybe\",\"items\":1,\"bytes\":1}"})
    void damagedCheckpointFileIsAStateConflictThatSuggestsRestart(String content) throws IOException {
        store.save("scope", new UnitCheckpoint("u0", "fine", false, 1, 1));
        Path dir = root().resolve("scope");
        Files.writeString(dir.resolve("u1.json"), content, StandardCharsets.UTF_8);

        CutoverException load = assertThrows(CutoverException.class, () -> store.load("scope", "u1"));
        CutoverException loadAll = assertThrows(CutoverException.class, () -> store.loadAll("scope"));

        for (CutoverException e : List.of(load, loadAll)) {
            assertEquals(ErrorCode.STATE_CONFLICT, e.code());
            assertTrue(e.getMessage().contains("--restart"), e.getMessage());
            assertTrue(e.getMessage().contains("u1.json"), "names the damaged file: " + e.getMessage());
        }
    }

    @Test
    void clearRemovesTheScopeDirectory() {
        store.save("scope", new UnitCheckpoint("u1", "p", false, 1, 1));
        store.save("other", new UnitCheckpoint("u1", "p", false, 1, 1));

        store.clear("scope");

        assertFalse(Files.exists(root().resolve("scope")));
        assertTrue(Files.exists(root().resolve("other").resolve("u1.json")));
    }

    @Test
    void clearAlsoRemovesLeftoverTemporaryFiles() throws IOException {
        store.save("scope", new UnitCheckpoint("u1", "p", false, 1, 1));
        Files.writeString(root().resolve("scope").resolve("u1.json.tmp"), "torn", StandardCharsets.UTF_8);

        store.clear("scope");

        assertFalse(Files.exists(root().resolve("scope")));
    }

    @Test
    void dotDotScopeCannotReachFilesOutsideTheCheckpointDirectory() throws IOException {
        Path outside = root().getParent().resolve("job.json");
        Files.createDirectories(root());
        Files.writeString(outside, "{\"kind\":\"copy\"}", StandardCharsets.UTF_8);

        assertThrows(IllegalArgumentException.class, () -> store.clear(".."));
        assertThrows(IllegalArgumentException.class, () -> store.loadAll(".."));

        assertTrue(Files.exists(outside), "a file next to the checkpoint directory is untouched");
    }

    @Test
    void unwritableStateDirectoryIsAStateConflictNamingTheFlag() throws IOException {
        Path blocker = temp.resolve("blocked");
        Files.writeString(blocker, "a file where a directory should be", StandardCharsets.UTF_8);
        CheckpointStore blocked = new FileCheckpointStore(blocker);

        CutoverException e = assertThrows(CutoverException.class,
                () -> blocked.save("scope", new UnitCheckpoint("u1", "p", false, 1, 1)));

        assertEquals(ErrorCode.STATE_CONFLICT, e.code());
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
    }
}
