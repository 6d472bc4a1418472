package io.cutover.dynamodb.export;

/**
 * What {@code cutover export} did, printed as text or JSON.
 *
 * @param status     "completed" or "stopped" (a stopped export wrote no manifest and is not loadable)
 * @param location   the export's folder (where manifest-summary.json is)
 * @param exportTime the time the items are as of: the start of the Scan (an item changed during the Scan may be newer)
 * @param billedBytes the items' size as DynamoDB bills it (billedSizeBytes in the summary)
 */
public record ExportResult(String status, String sourceTable, String location, String exportArn, String exportTime, String format,
                           int files, long items, long billedBytes, double seconds, double itemsPerSecond) {
}
