package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help renders cleanly. picocli formats descriptions with String.format and prints
 * "[picocli WARN] Could not format ..." to System.err (which CliRun captures) for a bare %: write %%.
 */
class HelpTextTest {

    private static List<CommandLine> everyCommand() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new CutoverCli()), all);
        return all;
    }

    private static void collect(CommandLine cmd, List<CommandLine> into) {
        into.add(cmd);
        for (CommandLine sub : cmd.getSubcommands().values()) {
            if (!into.contains(sub)) {
                collect(sub, into);
            }
        }
    }

    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        List<CommandLine> commands = everyCommand();
        assertTrue(commands.size() >= 20, "walked the whole command tree: " + commands.size());
        for (CommandLine cmd : commands) {
            String path = cmd.getCommandSpec().qualifiedName();
            List<String> args = new ArrayList<>(List.of(path.split(" ")).subList(1, path.split(" ").length));
            args.add("--help");
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, run.exitCode(), path + " --help: " + run.all());
            assertFalse(run.all().contains("WARN"), path + " --help printed a warning: " + run.err());
            assertFalse(run.all().contains("Could not format"), path + " --help: " + run.all());
            assertTrue(run.out().contains("Usage: " + path), path + " --help printed its usage");
        }
    }
}
