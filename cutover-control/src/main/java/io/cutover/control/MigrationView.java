package io.cutover.control;

import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import java.util.List;

/**
 * One application as the HTTP API serves it: its registry entry and the same records the CLI prints
 * ({@code cutover status}, {@code cutover verify}), the gates a switch would meet now, and where a
 * switch or a rollback would go; and the reverse direction (the target's stream applied to the source): its status and
 * the gates a failback would meet now (empty except at DUAL_WRITE_TARGET_READS). {@code served} is where serve itself
 * takes the state directories and tables from (its own configuration, decision 0120), and {@code configWarnings} what
 * the registry entry says that serve does not use. Absent parts are null.
 */
public record MigrationView(String app, RegistryEntry registry, MigrationStatus status, VerifyResult verify, VerifyRunner.Run verifyRun,
                            List<io.cutover.client.ClientReport> clients, List<Gate> gates, boolean gatesPass, Phase next, Phase previous,
                            MigrationStatus reverseStatus, List<Gate> failbackGates, AppSetup served, List<String> configWarnings) {

    /** A view without serve's own configuration. */
    public MigrationView(String app, RegistryEntry registry, MigrationStatus status, VerifyResult verify, VerifyRunner.Run verifyRun,
                         List<io.cutover.client.ClientReport> clients, List<Gate> gates, boolean gatesPass, Phase next, Phase previous,
                         MigrationStatus reverseStatus, List<Gate> failbackGates) {
        this(app, registry, status, verify, verifyRun, clients, gates, gatesPass, next, previous, reverseStatus, failbackGates, null,
                List.of());
    }

    /** A view without the reverse direction. */
    public MigrationView(String app, RegistryEntry registry, MigrationStatus status, VerifyResult verify, VerifyRunner.Run verifyRun,
                         List<io.cutover.client.ClientReport> clients, List<Gate> gates, boolean gatesPass, Phase next, Phase previous) {
        this(app, registry, status, verify, verifyRun, clients, gates, gatesPass, next, previous, null, List.of());
    }
}
