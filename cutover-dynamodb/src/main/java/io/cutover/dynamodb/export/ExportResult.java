package io.cutover.dynamodb.export;

/**
 * What {@code cutover export} did, printed as text or JSON.
 *
 * @param status       "completed" or "stopped" (a stopped export wrote no manifest and is not loadable; the same command resumes it)
 * @param sourceTable  the source: a DynamoDB table's name, or a SQL table or MongoDB collection with its server (credentials masked)
 * @param location     the export's folder (where manifest-summary.json is)
 * @param exportArn    the export's ARN for a DynamoDB table (its table ARN + /export/ID); null for other sources
 * @param exportTime   the time the items are as of: the start of the export's first run (an item changed during it may be newer)
 * @param billedBytes  the items' size as DynamoDB bills it (billedSizeBytes in the summary)
 * @param deadLettered rows, documents or items that are not in the export, each in the dead-letter file with its reason
 * @param resumedItems items in files that earlier runs of the same export had finished (not read again)
 * @param deadLetterFile where the dead letters are, or null when there are none
 */
public record ExportResult(String status, String sourceTable, String location, String exportArn, String exportTime, String format,
                           int files, long items, long billedBytes, double seconds, double itemsPerSecond, long deadLettered,
                           long resumedItems, String deadLetterFile) {
}
