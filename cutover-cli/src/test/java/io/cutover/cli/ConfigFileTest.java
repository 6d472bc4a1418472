package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void fileValuesFillFlagsAndTheCommandLineWins() throws Exception {
        Path yaml = Files.writeString(dir.resolve("c.yaml"), "source-table: orders\ntarget-table: orders-v2\nsource-region: eu-west-1\n"
                + "parallelism: 4\ntable-map: [a=b, c=d]\n");
        CopyCommand copy = new CopyCommand();
        CommandLine cli = new CommandLine(copy);
        cli.setDefaultValueProvider(ConfigFile.load(yaml, cli.getCommandSpec()));
        cli.parseArgs("--config", yaml.toString(), "--parallelism", "6");
        assertEquals("orders", copy.sourceTable);
        assertEquals("orders-v2", copy.targetTable);
        assertEquals("eu-west-1", copy.connection.sourceRegion);
        assertEquals(6, copy.parallelism, "the flag wins over the file");
        assertEquals(List.of("a=b", "c=d"), copy.tableMap);
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKeysThatExist() throws Exception {
        Path yaml = Files.writeString(dir.resolve("c.yaml"), "sourc-table: orders\n");
        CommandLine cli = new CommandLine(new CopyCommand());
        CutoverException e = assertThrows(CutoverException.class, () -> ConfigFile.load(yaml, cli.getCommandSpec()));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("unknown key 'sourc-table'") && e.getMessage().contains("source-table"), e.getMessage());
    }

    @Test
    void aFileThatIsNotYamlKeysIsRefused() throws Exception {
        Path yaml = Files.writeString(dir.resolve("c.yaml"), "- just\n- a list\n");
        CommandLine cli = new CommandLine(new CopyCommand());
        CutoverException e = assertThrows(CutoverException.class, () -> ConfigFile.load(yaml, cli.getCommandSpec()));
        assertTrue(e.getMessage().contains("expected YAML keys and values"), e.getMessage());
    }

    @Test
    void findsTheConfigFlagInEitherForm() {
        assertEquals(Path.of("a.yaml"), ConfigFile.find("copy", "--config", "a.yaml"));
        assertEquals(Path.of("b.yaml"), ConfigFile.find("copy", "--config=b.yaml"));
        assertEquals(null, ConfigFile.find("copy", "--source-table", "x"));
    }
}
