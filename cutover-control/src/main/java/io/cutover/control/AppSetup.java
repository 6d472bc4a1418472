package io.cutover.control;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.cutover.client.RegistryEntry;
import io.cutover.client.StoreEndpoint;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the switch gates and a verify find one application's work: its state directories (read by the gates, written
 * by a verify) and its two tables with the endpoints that reach them. The phase and version always come from the
 * registry entry; these never need to. {@code cutover serve} takes them from the operator's own configuration
 * ({@link ServeAppConfig}), never from the entry, which is an item in a table other principals can reach
 * (docs/decisions/0120-serve-trusts-its-own-configuration.md); the operator's CLI commands take them from the entry they
 * registered ({@link #ofEntry}). Absent parts are null.
 *
 * @param app             the application id
 * @param stateDir        the forward migration's state directory
 * @param verifyStateDir  where verify keeps its last result
 * @param reverseStateDir the reverse migration's state directory
 * @param source          the source table and how to reach it; null only when {@code verifyStateDir} is null too
 * @param target          the target table and how to reach it; null only when {@code verifyStateDir} is null too
 * @param sourceProfile   the AWS profile for the source (null: the default chain)
 * @param targetProfile   the AWS profile for the target (null: the default chain)
 * @param origin          where these came from, for messages ("the registry entry", "--app-config serve.yaml")
 * @param fix             how to supply a missing part, for the gates' messages
 */
public record AppSetup(String app, @JsonSerialize(using = ToStringSerializer.class) Path stateDir,
                       @JsonSerialize(using = ToStringSerializer.class) Path verifyStateDir,
                       @JsonSerialize(using = ToStringSerializer.class) Path reverseStateDir, StoreEndpoint source, StoreEndpoint target,
                       String sourceProfile, String targetProfile, String origin,
                       @com.fasterxml.jackson.annotation.JsonIgnore String fix) {
    public AppSetup {
        if (verifyStateDir != null && (source == null || target == null)) {
            throw new IllegalArgumentException("a verify state directory needs both tables");
        }
    }

    /** The paths and tables an operator registered in the entry: what the CLI's switch, rollback and failback read. */
    public static AppSetup ofEntry(RegistryEntry e) {
        return new AppSetup(e.app(), path(e.stateDir()), path(e.verifyStateDir()), path(e.reverseStateDir()), e.source(), e.target(),
                null, null, "the registry entry", "register the application with --%s");
    }

    /** An application the operator's configuration does not name: no paths, no tables. */
    static AppSetup unconfigured(String app, String origin) {
        return new AppSetup(app, null, null, null, null, null, null, null, origin, "add '" + app + "' with its %s to " + origin);
    }

    /** How to supply the part a flag or key names, for a gate's message. */
    String fix(String flag) {
        return String.format(java.util.Locale.ROOT, fix, flag);
    }

    Optional<Path> state() {
        return Optional.ofNullable(stateDir);
    }

    Optional<Path> reverse() {
        return Optional.ofNullable(reverseStateDir);
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p);
    }
}
