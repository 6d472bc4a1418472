package io.cutover.core.result;

import java.util.List;

/**
 * The result of {@code cutover copy}. {@code status} is {@code completed}, {@code completed_with_dead_letters}
 * or {@code stopped}; {@code deadLetterFile} is null when nothing was dead-lettered.
 */
public record CopyResult(String status, List<TableCopyResult> tables, long items, long bytes, long deadLettered,
                         double seconds, double itemsPerSecond, long retries, long throttles, String stateDir,
                         String deadLetterFile) {
    public CopyResult {
        tables = List.copyOf(tables);
    }

    public static CopyResult of(List<TableCopyResult> tables, double seconds, String stateDir, String deadLetterFile,
                                boolean stopped) {
        long items = tables.stream().mapToLong(TableCopyResult::items).sum();
        long bytes = tables.stream().mapToLong(TableCopyResult::bytes).sum();
        long dead = tables.stream().mapToLong(TableCopyResult::deadLettered).sum();
        long retries = tables.stream().mapToLong(TableCopyResult::retries).sum();
        long throttles = tables.stream().mapToLong(TableCopyResult::throttles).sum();
        String status = stopped ? "stopped" : dead > 0 ? "completed_with_dead_letters" : "completed";
        double rate = seconds > 0 ? items / seconds : 0;
        return new CopyResult(status, tables, items, bytes, dead, seconds, rate, retries, throttles, stateDir,
                dead > 0 ? deadLetterFile : null);
    }
}
