package io.cutover.control;

import io.cutover.client.Phase;
import java.util.List;

/**
 * What {@code cutover switch} and {@code cutover rollback} did, as the CLI prints it and the HTTP API
 * returns it.
 *
 * @param action "switch", "rollback" or "failback"
 * @param forced true when failed gates were overridden with --force
 */
public record SwitchResult(String app, String action, Phase from, Phase to, long version, boolean forced, List<Gate> gates,
                           List<String> warnings, String by, String at) {
    public SwitchResult {
        gates = List.copyOf(gates);
        warnings = List.copyOf(warnings);
    }
}
