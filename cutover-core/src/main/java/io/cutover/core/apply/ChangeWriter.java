package io.cutover.core.apply;

import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import java.util.List;

/**
 * Writes changes to the target. The changes handed over in one call have distinct keys, so the
 * writer may apply them in any order and in parallel. Returns once the target acknowledged every
 * change, or the change was dead-lettered with its reason; throws a {@link io.cutover.core.CutoverException}
 * when it cannot go on. Called from the applier's single thread.
 */
public interface ChangeWriter {
    WriteOutcome apply(List<ChangeRecord> distinctKeys);
}
