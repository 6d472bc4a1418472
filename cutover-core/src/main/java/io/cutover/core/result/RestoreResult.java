package io.cutover.core.result;

/**
 * What a restore from an archive (or its dry run) came to, into a DynamoDB table or back into a source store
 * ({@code restore --into-source}); printed by the CLI as text or JSON.
 *
 * @param status          planned, completed, completed with dead letters, or stopped
 * @param point           the restore point as given ("2026-12-01T10:15:30Z", "log position 81234")
 * @param targetTable     the table (or collection) restored into
 * @param base            the base snapshot's file name
 * @param expectedItems   live items at the point
 * @param itemsWritten    items acknowledged by the target in this run and earlier runs of the same restore
 * @param itemsDeleted    with {@code --replace}: items of the target that the point does not hold, deleted (in a dry run:
 *                        that would be deleted); 0 otherwise
 */
public record RestoreResult(String status, String point, String targetTable, String base, long baseItems, long changesReplayed,
                            long expectedItems, long expectedBytes, long itemsWritten, long itemsDeleted, double seconds) {
}
