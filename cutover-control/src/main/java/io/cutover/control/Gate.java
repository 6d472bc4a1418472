package io.cutover.control;

/**
 * One check a forward switch must pass. {@code value} is what was measured, {@code limit} what it must
 * stay within, both as people read them ("850 ms", "clean").
 */
public record Gate(String name, boolean passed, String value, String limit, String detail) {
    /** How the audit log keeps it: "PASS 850 ms (limit 1000 ms)". */
    public String summary() {
        return (passed ? "PASS " : "FAIL ") + value + (limit == null || limit.isEmpty() ? "" : " (limit " + limit + ")");
    }
}
