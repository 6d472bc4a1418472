package io.cutover.control;

import java.util.Locale;
import java.util.Set;

/**
 * The DNS-rebinding guard: a browser that was tricked into resolving an attacker's name to this
 * server still sends that name in {@code Host}, so only names the operator configured are served.
 * IP literals and {@code localhost} are always accepted: a rebinding attack needs a name it controls.
 */
final class AllowedHosts {
    private final Set<String> names;

    AllowedHosts(Set<String> names) {
        this.names = Set.copyOf(names);
    }

    /** True when a request with this {@code Host} header may be served. */
    boolean allows(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank() || hostHeader.length() > 255) {
            return false;
        }
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) { // [v6]:port
            int end = h.indexOf(']');
            return end > 1 && h.substring(end + 1).matches("(:\\d{1,5})?") && h.substring(1, end).matches("[0-9a-f:.]+");
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            if (!h.substring(colon + 1).matches("\\d{1,5}")) {
                return false;
            }
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.equals("localhost") || h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || names.contains(h);
    }
}
