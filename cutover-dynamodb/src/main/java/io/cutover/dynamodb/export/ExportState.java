package io.cutover.dynamodb.export;

import io.cutover.core.checkpoint.JsonStateFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a resumable {@code cutover export} keeps in its state directory: {@code export.json} (which export this is,
 * where it goes, its split) and {@code units/UNIT.json} (one per data file the store acknowledged, with its manifest
 * entry), then {@code completed.json} (the result, once the manifests are written). A unit without a record is written again from its start; a unit with one is never read again. Files are
 * replaced atomically, so a {@code kill -9} leaves the old or the new version.
 */
public final class ExportState {
    private static final String FIX = ": pass --restart to start the export over, or use another --state-dir";
    private final Path root;

    /**
     * The export's identity, fixed by its first run.
     *
     * @param exportId  the {@code AWSDynamoDB/EXPORT-ID/} folder every run writes into
     * @param startTime the first run's start: the conservative {@code exportTime}
     * @param split     the source's split (see {@link ExportSource#split})
     */
    public record Header(String source, String location, String format, String exportId, String startTime, List<String> split) {
    }

    /**
     * A data file that was written whole and acknowledged by the store.
     *
     * @param billedBytes  the items' size as DynamoDB bills it
     * @param deadLettered rows or items of the unit that went to the dead-letter file instead
     */
    public record UnitDone(String unit, ExportDataFile file, long billedBytes, long deadLettered) {
    }

    public ExportState(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Optional<Header> header() {
        return JsonStateFile.read(root.resolve("export.json"), Header.class, FIX);
    }

    public void saveHeader(Header header) {
        JsonStateFile.write(root.resolve("export.json"), header);
    }

    public Optional<UnitDone> done(String unit) {
        return JsonStateFile.read(root.resolve("units").resolve(unit + ".json"), UnitDone.class, FIX);
    }

    public void saveDone(UnitDone done) {
        JsonStateFile.write(root.resolve("units").resolve(done.unit() + ".json"), done);
    }

    /** The result of the export once its manifests were written; a finished export is never written again. */
    public Optional<ExportResult> completed() {
        return JsonStateFile.read(root.resolve("completed.json"), ExportResult.class, FIX);
    }

    public void saveCompleted(ExportResult result) {
        JsonStateFile.write(root.resolve("completed.json"), result);
    }

    /**
     * Forgets a finished export so that another can start in the same directory: its records go, its dead-letter
     * file is kept, renamed {@code dead-letters-EXPORT-ID.jsonl} (the only record of what it could not export).
     */
    public void retire() {
        try {
            String id = header().map(Header::exportId).orElse(String.valueOf(System.currentTimeMillis()));
            if (java.nio.file.Files.exists(deadLetters())) {
                java.nio.file.Files.move(deadLetters(), root.resolve("dead-letters-" + id + ".jsonl"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Path units = root.resolve("units");
            if (java.nio.file.Files.isDirectory(units)) {
                try (var files = java.nio.file.Files.list(units)) {
                    for (Path f : files.toList()) {
                        java.nio.file.Files.delete(f);
                    }
                }
            }
            java.nio.file.Files.deleteIfExists(root.resolve("completed.json"));
            java.nio.file.Files.deleteIfExists(root.resolve("export.json"));
        } catch (java.io.IOException e) {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.STATE_CONFLICT, "cannot clear the finished export in "
                    + root + ": " + e.getMessage() + FIX, e);
        }
    }

    public Path deadLetters() {
        return root.resolve("dead-letters.jsonl");
    }
}
