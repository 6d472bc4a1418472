package io.cutover.dynamodb.export;

/**
 * What {@code cutover export --dry-run} prints: the source checked and split, nothing written.
 *
 * @param estimatedItems the source's own estimate (0 when it has none)
 * @param resumesExport  the EXPORT-ID the state directory holds and the command would resume, or null for a new export
 * @param unitsDone      units the earlier runs of that export finished
 */
public record ExportPlan(String source, String location, String format, int units, long estimatedItems, String resumesExport, int unitsDone) {
}
