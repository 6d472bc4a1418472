package io.cutover.client;

import java.util.List;
import java.util.Map;

/**
 * One change of an application's registry entry, kept for ever beside it: who, when, from which phase
 * to which, the gate values seen at that moment, whether the gates were overridden, and any warnings.
 *
 * @param action "register", "switch" or "rollback"
 * @param gates  gate name to "PASS value" or "FAIL value (limit)", in evaluation order
 */
public record AuditRecord(String app, long version, String at, String by, String action, Phase from, Phase to, boolean forced,
                          String reason, Map<String, String> gates, List<String> warnings) {
    public AuditRecord {
        gates = gates == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(gates));
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }
}
