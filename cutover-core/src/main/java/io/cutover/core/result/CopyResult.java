package io.cutover.core.result;

import java.util.List;

/**
 * The result of {@code cutover copy}. {@code status} is {@code completed}, {@code completed_with_dead_letters}
 * (by this run or an earlier run of the same job) or {@code stopped}; {@code deadLetterFile} is null when
 * the job has dead-lettered nothing.
 *
 * @param deadLettered        items dead-lettered by this run
 * @param deadLetteredEarlier items dead-lettered by earlier runs of the same job (still in the file)
 */
public record CopyResult(String status, List<TableCopyResult> tables, long items, long bytes, long deadLettered,
                         long deadLetteredEarlier, double seconds, double itemsPerSecond, long retries, long throttles,
                         String stateDir, String deadLetterFile) {
    public CopyResult {
        tables = List.copyOf(tables);
    }

    public static CopyResult of(List<TableCopyResult> tables, double seconds, String stateDir, String deadLetterFile,
                                long deadLetteredEarlier, boolean stopped) {
        long items = tables.stream().mapToLong(TableCopyResult::items).sum();
        long bytes = tables.stream().mapToLong(TableCopyResult::bytes).sum();
        long dead = tables.stream().mapToLong(TableCopyResult::deadLettered).sum();
        long retries = tables.stream().mapToLong(TableCopyResult::retries).sum();
        long throttles = tables.stream().mapToLong(TableCopyResult::throttles).sum();
        boolean anyDead = dead + deadLetteredEarlier > 0;
        String status = stopped ? "stopped" : anyDead ? "completed_with_dead_letters" : "completed";
        double rate = seconds > 0 ? items / seconds : 0;
        return new CopyResult(status, tables, items, bytes, dead, deadLetteredEarlier, seconds, rate, retries, throttles, stateDir,
                anyDead ? deadLetterFile : null);
    }
}
