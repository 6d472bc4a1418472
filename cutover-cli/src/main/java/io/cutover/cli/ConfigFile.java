package io.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: the same settings as the flags, in YAML, with the long flag names as keys
 * ({@code source-table: orders}). A flag on the command line wins over the file. A key that no flag
 * of the command has is refused, with the keys that exist; a list value repeats the flag
 * ({@code table-map: [a=b, c=d]}). The file holds no credentials, only profile names.
 */
final class ConfigFile implements CommandLine.IDefaultValueProvider {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final Map<String, String> values;

    private ConfigFile(Map<String, String> values) {
        this.values = values;
    }

    /** Finds {@code --config FILE} (or {@code --config=FILE}) among the arguments. */
    static Path find(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    /** Reads the file and checks every key against the options of the command it is given to. */
    static ConfigFile load(Path file, CommandSpec command) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--config " + file + ": " + e.getMessage().split("\n")[0]
                    + " (the file must be YAML, for example 'source-table: orders')");
        }
        if (root == null || !root.isObject()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--config " + file + ": expected YAML keys and values, for example"
                    + " 'source-table: orders'");
        }
        TreeSet<String> known = new TreeSet<>();
        for (OptionSpec o : command.options()) {
            if (o.longestName().startsWith("--") && !o.usageHelp() && !o.versionHelp() && !o.longestName().equals("--config")) {
                known.add(o.longestName().substring(2));
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (!known.contains(e.getKey())) {
                problems.add("--config " + file + ": unknown key '" + e.getKey() + "' for 'cutover " + command.name()
                        + "'; the keys are the long flag names: " + String.join(", ", known));
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(item -> items.add(item.asText()));
                values.put(e.getKey(), String.join(",", items));
            } else if (v.isValueNode()) {
                values.put(e.getKey(), v.asText());
            } else {
                problems.add("--config " + file + ": '" + e.getKey() + "' must be a value or a list, not a map");
            }
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
        return new ConfigFile(values);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec o && o.longestName().startsWith("--")) {
            return values.get(o.longestName().substring(2));
        }
        return null;
    }
}
