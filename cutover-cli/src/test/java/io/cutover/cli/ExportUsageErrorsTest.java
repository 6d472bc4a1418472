package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The export flags' mistakes: exit 2, one message naming the flag and the fix, no stack trace, before any server (port 1). */
class ExportUsageErrorsTest {
    private static final String[] NOWHERE = {"--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1", "--no-progress"};

    private static void assertUsageError(String expected, String... args) {
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(NOWHERE)).toArray(String[]::new);
        CliRun run = CliRun.of(all);
        assertEquals(2, run.exitCode(), run.all());
        assertTrue(run.err().contains(expected), "expected '" + expected + "' in: " + run.err());
        assertFalse(run.all().contains("\tat ") || run.all().contains("Exception"), "no stack trace: " + run.all());
    }

    @Test
    void copyFromExportNamesEveryContradictionAtOnce() {
        assertUsageError("--from-export needs --target-table NAME", "copy", "--from-export", "some/dir");
        CliRun run = CliRun.of("copy", "--from-export", "s3://Bad_Bucket/x", "--source-table", "orders", "--segments", "4", "--target-table", "t",
                "--endpoint-url", "http://127.0.0.1:1");
        assertEquals(2, run.exitCode(), run.all());
        assertTrue(run.err().contains("drop --source-table") && run.err().contains("drop --segments")
                && run.err().contains("is not an S3 bucket name"), run.err());
    }

    @Test
    void copyFromAFolderWithoutAnExportSaysWhatIsMissing() {
        assertUsageError("no DynamoDB export at", "copy", "--from-export", "target", "--target-table", "orders");
    }

    @Test
    void migrateBackfillFlagsAreCheckedFirst() {
        assertUsageError("--backfill must be scan or export", "migrate", "--source-table", "orders", "--backfill", "files");
        assertUsageError("needs exactly one of --export", "migrate", "--source-table", "orders", "--backfill", "export");
        assertUsageError("--export-to must be s3://bucket/prefix", "migrate", "--source-table", "orders", "--backfill", "export",
                "--export-to", "some/dir");
        assertUsageError("--export and --export-to need --backfill export", "migrate", "--source-table", "orders", "--export", "x");
        assertUsageError("contradicts --capture-only", "migrate", "--source-table", "orders", "--backfill", "export", "--export", "x",
                "--capture-only");
    }

    @Test
    void exportNamesABadFormatAndBadNumbers() {
        assertUsageError("--format 'xml' is not an export format", "export", "--source-table", "orders", "--to", "x", "--format", "xml");
        assertUsageError("--parallelism must be between 1 and 1024", "export", "--source-table", "orders", "--to", "x", "--parallelism", "0");
    }

    @Test
    void exportRefusesTheFlagsOfAnotherKindOfSource() {
        assertUsageError("--mapping is for a SQL --source", "export", "--source-table", "orders", "--to", "x", "--mapping", "m.yaml");
        assertUsageError("--source-collection is for a mongodb:// --source", "export", "--source-table", "orders", "--to", "x",
                "--source-collection", "orders");
        assertUsageError("use --source-collection NAME instead of --source-table", "export", "--source", "mongodb://127.0.0.1:1/shop",
                "--source-table", "orders", "--to", "x");
        assertUsageError("--source-table NAME is required with a SQL --source", "export", "--source", "postgresql://u@127.0.0.1:1/db",
                "--to", "x");
        assertUsageError("--mapping FILE is required with a SQL --source", "export", "--source", "postgresql://u@127.0.0.1:1/db",
                "--source-table", "t", "--to", "x");
        assertUsageError("--key-attribute is required", "export", "--source", "mongodb://127.0.0.1:1/shop", "--source-collection", "o",
                "--to", "x");
    }
}
