package io.cutover.dynamodb.export;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * An export's two manifests as DynamoDB writes them: {@code manifest-summary.json} (one JSON object) and
 * {@code manifest-files.json} (JSON lines, one data file each), in {@code EXPORT-PREFIX/AWSDynamoDB/ExportId/},
 * with the data files in its {@code data/} folder. Immutable.
 *
 * @param folder where the manifests are inside the store ({@code ""} or {@code "AWSDynamoDB/ID/"})
 */
public record ExportManifest(String folder, Summary summary, List<ExportDataFile> files) {
    public static final String SUMMARY = "manifest-summary.json";
    public static final String FILES = "manifest-files.json";
    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** manifest-summary.json; fields as DynamoDB names them (ExportTableToPointInTime's output, version 2020-06-30). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Summary(String version, String exportArn, String startTime, String endTime, String tableArn, String tableId,
                          String exportTime, String s3Bucket, String s3Prefix, String s3SseAlgorithm, String s3SseKmsKeyId,
                          String manifestFilesS3Key, Long billedSizeBytes, Long itemCount, String outputFormat, String exportType) {
    }

    public ExportManifest {
        files = List.copyOf(files);
    }

    public ExportFormat format() {
        return ExportFormat.valueOf(summary.outputFormat());
    }

    /** The point in time the export holds the table at. */
    public Instant exportTime() {
        return Instant.parse(summary.exportTime());
    }

    public long itemCount() {
        return files.stream().mapToLong(ExportDataFile::itemCount).sum();
    }

    /** Where a data file is inside the store: the manifests' {@code data/} folder, whatever prefix its key was written with. */
    public String dataKey(ExportDataFile file) {
        return folder + "data/" + file.name();
    }

    /**
     * Finds and reads the manifests: {@code manifest-summary.json} at the store's root, or in exactly one
     * {@code AWSDynamoDB/ExportId/} folder under it. Refuses an incremental export, an unknown format, and manifests
     * that disagree with each other, naming the file.
     */
    public static ExportManifest read(ExportStore store) {
        String folder = locate(store);
        Summary summary = readSummary(store, folder + SUMMARY);
        String where = store.describe(folder + SUMMARY);
        List<String> problems = new ArrayList<>();
        if (summary.outputFormat() == null || !(summary.outputFormat().equals("DYNAMODB_JSON") || summary.outputFormat().equals("ION"))) {
            problems.add("outputFormat is " + summary.outputFormat() + ", not DYNAMODB_JSON or ION");
        }
        if (summary.exportType() != null && !summary.exportType().equals("FULL_EXPORT")) {
            problems.add("exportType is " + summary.exportType() + ": only a FULL_EXPORT holds whole items to load"
                    + " (an incremental export holds changes)");
        }
        try {
            Instant.parse(String.valueOf(summary.exportTime()));
        } catch (DateTimeParseException e) {
            problems.add("exportTime '" + summary.exportTime() + "' is not an ISO-8601 time");
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, where + ": " + String.join("; ", problems));
        }
        List<ExportDataFile> files = readFiles(store, folder + FILES);
        ExportManifest manifest = new ExportManifest(folder, summary, files);
        if (summary.itemCount() != null && summary.itemCount() != manifest.itemCount()) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, where + " counts " + summary.itemCount() + " items but "
                    + store.describe(folder + FILES) + " lists files with " + manifest.itemCount() + ": the manifests do not belong together");
        }
        return manifest;
    }

    private static String locate(ExportStore store) {
        if (store.exists(SUMMARY)) {
            return "";
        }
        List<String> found = store.list("AWSDynamoDB").stream()
                .filter(k -> k.matches("AWSDynamoDB/[^/]+/" + java.util.regex.Pattern.quote(SUMMARY))).toList();
        if (found.size() == 1) {
            return found.get(0).substring(0, found.get(0).length() - SUMMARY.length());
        }
        if (found.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "no DynamoDB export at " + store.describe("") + ": neither "
                    + SUMMARY + " nor AWSDynamoDB/EXPORT-ID/" + SUMMARY + " is there; pass the export's folder or prefix");
        }
        throw new CutoverException(ErrorCode.CONFIG_INVALID, store.describe("") + " holds " + found.size() + " exports ("
                + String.join(", ", found.stream().map(k -> k.substring(0, k.length() - SUMMARY.length() - 1)).toList())
                + "): pass the folder of the one to load, for example " + store.describe(found.get(found.size() - 1)
                .substring(0, found.get(found.size() - 1).length() - SUMMARY.length() - 1)));
    }

    private static Summary readSummary(ExportStore store, String key) {
        try (InputStream in = store.open(key)) {
            Summary s = MAPPER.readValue(in, Summary.class);
            if (s == null) {
                throw new IOException("empty file");
            }
            return s;
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export manifest " + store.describe(key) + " is not valid JSON: "
                    + e.getMessage(), e);
        }
    }

    private static List<ExportDataFile> readFiles(ExportStore store, String key) {
        List<ExportDataFile> files = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(store.open(key), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                ExportDataFile f;
                try {
                    f = MAPPER.readValue(line, ExportDataFile.class);
                } catch (IOException e) {
                    throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export manifest " + store.describe(key) + " line " + n
                            + " is not a data file entry: " + e.getMessage(), e);
                }
                if (f.dataFileS3Key() == null || f.dataFileS3Key().isBlank() || f.itemCount() < 0) {
                    throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export manifest " + store.describe(key) + " line " + n
                            + " names no dataFileS3Key or a negative itemCount");
                }
                files.add(f);
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "cannot read export manifest " + store.describe(key) + ": "
                    + e.getMessage(), e);
        }
        return files;
    }

    /**
     * Writes manifest-files.json, then manifest-summary.json: a reader takes the summary's presence to mean
     * the export is complete, so it goes last.
     */
    public void write(ExportStore store) {
        try (OutputStream out = store.create(folder + FILES)) {
            for (ExportDataFile f : files) {
                out.write(MAPPER.writeValueAsBytes(f));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot write " + store.describe(folder + FILES) + ": " + e.getMessage(), e);
        }
        try (OutputStream out = store.create(folder + SUMMARY)) {
            out.write(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot write " + store.describe(folder + SUMMARY) + ": " + e.getMessage(), e);
        }
    }
}
