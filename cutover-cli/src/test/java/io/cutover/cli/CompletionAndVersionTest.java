package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompletionAndVersionTest {

    @Test
    void bashCompletionCoversEveryCommandAndItsOptions() {
        CliRun run = CliRun.of("completion", "bash");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("complete -F"), "a bash completion function");
        for (String word : new String[] {"migrate", "serve", "rollback", "completion", "--tls-cert", "--allowed-host", "--target-table",
            "--debug"}) {
            assertTrue(run.out().contains(word), word);
        }
    }

    @Test
    void zshCompletionLoadsTheBashScriptThroughBashcompinit() {
        CliRun run = CliRun.of("completion", "zsh");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"), run.out());
        assertTrue(run.out().contains("complete -F"));
    }

    @Test
    void anotherShellIsAUsageError() {
        CliRun run = CliRun.of("completion", "fish");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("use bash or zsh"), run.err());
    }

    @Test
    void versionNamesTheBuild() {
        assertEquals("cutover 1.2.0 (commit abc1234)", CutoverCli.Version.describe("1.2.0", "abc1234", "false"));
        assertEquals("cutover 1.2.0 (commit abc1234 with local changes)", CutoverCli.Version.describe("1.2.0", "abc1234", "true"));
        assertEquals("cutover 1.2.0 (unknown commit)", CutoverCli.Version.describe("1.2.0", "${git.commit.id.abbrev}", "${git.dirty}"));
        assertEquals("cutover development build (unknown commit)", CutoverCli.Version.describe(null, null, null));
        assertEquals("cutover 1.2.0 (unknown commit)", CutoverCli.Version.describe("1.2.0", "unknown", null));
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().matches("(?s)cutover \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\((commit [0-9a-f]{7,}( with local changes)?|unknown commit)\\)\nJava .*"), run.out());
    }
}
