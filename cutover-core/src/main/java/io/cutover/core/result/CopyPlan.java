package io.cutover.core.result;

import java.util.List;

/** The plan {@code cutover copy --dry-run} prints. {@code ok} is false when some table would be refused. */
public record CopyPlan(boolean ok, List<TablePlan> tables, String stateDir, boolean resumes) {
    public CopyPlan {
        tables = List.copyOf(tables);
    }
}
