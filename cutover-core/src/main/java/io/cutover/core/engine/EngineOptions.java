package io.cutover.core.engine;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.version.VersionAttribute;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.ObjLongConsumer;

/**
 * How one run of the phase machine behaves; immutable, checked once.
 *
 * @param stateDir      where the dead-letter and conflict files are (the journal and change log are the migration's)
 * @param captureOnly   no backfill: CAPTURE moves straight to CATCH_UP (the reverse direction, whose target holds the data)
 * @param versionRule   the live apply writes under this rule when present; unconditionally when empty
 * @param listConflicts the versioned writer lists its true conflicts in {@link #CONFLICTS_FILE} (a read per refusal: the
 *                      reverse directions only, decision 0074)
 * @param applyWhen     the fence: asked before every apply round; while false, capture goes on and nothing is applied
 * @param onApplied     told of every change the target acknowledged, with the time (benchmarks)
 */
public record EngineOptions(Path stateDir, boolean captureOnly, Optional<VersionAttribute> versionRule, boolean listConflicts,
                            BooleanSupplier applyWhen, ObjLongConsumer<ChangeRecord> onApplied) {
    public static final String DEAD_LETTERS_FILE = "dead-letters.jsonl";
    public static final String CONFLICTS_FILE = "conflicts.jsonl";
    public static final String STATUS_FILE = "status.json";

    public EngineOptions {
        if (stateDir == null || versionRule == null || applyWhen == null || onApplied == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "a live migration needs a state directory, a version rule (or none),"
                    + " a fence and an apply listener");
        }
        if (listConflicts && versionRule.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "conflicts are listed under a version rule only: set the version"
                    + " attribute");
        }
    }

    /** A forward migration: backfill, no version rule, no fence. */
    public static EngineOptions forward(Path stateDir) {
        return new EngineOptions(stateDir, false, Optional.empty(), false, () -> true, (c, t) -> { });
    }

    public EngineOptions withCaptureOnly(boolean on) {
        return new EngineOptions(stateDir, on, versionRule, listConflicts, applyWhen, onApplied);
    }

    public EngineOptions withVersionRule(Optional<VersionAttribute> rule, boolean list) {
        return new EngineOptions(stateDir, captureOnly, rule, list, applyWhen, onApplied);
    }

    public EngineOptions withFence(BooleanSupplier allowed) {
        return new EngineOptions(stateDir, captureOnly, versionRule, listConflicts, allowed, onApplied);
    }

    public EngineOptions withOnApplied(ObjLongConsumer<ChangeRecord> listener) {
        return new EngineOptions(stateDir, captureOnly, versionRule, listConflicts, applyWhen, listener);
    }
}
