package io.cutover.dynamodb.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.CopyResult;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbCopier;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbExporter;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.ExportLoader;
import io.cutover.dynamodb.ExportRequester;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@code cutover export} and {@code copy --from-export} against DynamoDB Local, ending in an item-by-item comparison. */
class ExportLoadIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
    }

    static DynamoDbEndpoint local(String role) {
        return DynamoDbEndpoint.local(role, db.endpoint());
    }

    static DynamoDbEndpoint noS3() {
        return new DynamoDbEndpoint("export", Optional.empty(), Optional.of("us-east-1"), Optional.empty());
    }

    /** Pages of 100 items, so that a stop lands in the middle of a file. */
    private CopySettings settings(String target, Path state) {
        return CopySettings.builder(local("source"), local("target")).table(target, target).stateDir(state).scanPageSize(100).build();
    }

    private static String table(String prefix, long items, SampleItems sample) {
        String name = LocalTables.uniqueName(prefix);
        LocalTables.create(client, SampleItems.plainTable(name));
        LocalTables.load(client, name, items, sample::item);
        return name;
    }

    private static String emptyCopyOf(String source) {
        String name = source + "-load";
        LocalTables.create(client, SampleItems.plainTable(name));
        return name;
    }

    private ExportResult export(String table, ExportFormat format, Path to) {
        return export(table, format, to, 4);
    }

    private ExportResult export(String table, ExportFormat format, Path to, int segments) {
        DynamoDbExporter.Settings s = new DynamoDbExporter.Settings(local("source"), table, ExportLocation.parse("--to", to.toString()),
                noS3(), format, Optional.of(segments), Math.min(segments, 8), 0, 1000);
        try (DynamoDbExporter exporter = new DynamoDbExporter(s, CopyProgress.NONE)) {
            return exporter.run();
        }
    }

    private CopyResult load(String target, Path export, Path state, CopyProgress progress, java.util.function.Consumer<ExportLoader> before) {
        return load(settings(target, state), target, export, progress, before);
    }

    private CopyResult load(CopySettings settings, String target, Path export, CopyProgress progress,
                            java.util.function.Consumer<ExportLoader> before) {
        try (ExportLoader loader = new ExportLoader(settings, target, ExportLocation.parse("--from-export", export.toString()),
                noS3(), progress)) {
            before.accept(loader);
            return loader.run();
        }
    }

    private static void assertIdentical(String source, String target, long items) {
        TableComparison.Result cmp = TableComparison.compare(client, source, client, target);
        assertTrue(cmp.identical(), "tables differ: " + cmp);
        assertEquals(items, cmp.targetItems());
    }

    @ParameterizedTest
    @EnumSource(ExportFormat.class)
    void exportThenLoadGivesAnIdenticalTable(ExportFormat format) throws Exception {
        // 5,020 items: every type, one nested 32 levels deep every 1,000, one of 300 KB every 5,000.
        String src = table("exp-" + format.name().toLowerCase().replace('_', '-'), 5_020, new SampleItems(21, 0));
        ExportResult exported = export(src, format, dir.resolve("export"));
        assertEquals("completed", exported.status());
        assertEquals(5_020, exported.items());
        assertEquals(4, exported.files());
        assertTrue(Files.exists(Path.of(exported.location(), ExportManifest.SUMMARY)));
        String dst = emptyCopyOf(src);
        CopyResult loaded = load(dst, dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { });
        assertEquals("completed", loaded.status());
        assertEquals(5_020, loaded.items());
        assertIdentical(src, dst, 5_020);
    }

    @Test
    void aHandWrittenIonExportWithTheLargestItemLoads() {
        Path folder = dir.resolve("ion");
        List<Map<String, AttributeValue>> items = new ArrayList<>(ExportFilesTest.items());
        try (LocalExportStore store = new LocalExportStore(folder)) {
            ExportFilesTest.export(store, ExportFormat.ION, items, 3);
        }
        String dst = LocalTables.uniqueName("ion-load");
        LocalTables.create(client, SampleItems.plainTable(dst));
        CopyResult r = load(dst, folder, dir.resolve("state"), CopyProgress.NONE, l -> { });
        assertEquals(items.size(), r.items(), r.toString());
        assertEquals(0, r.deadLettered());
        String expected = LocalTables.uniqueName("ion-expected");
        LocalTables.create(client, SampleItems.plainTable(expected));
        LocalTables.load(client, expected, items.size(), i -> items.get((int) i));
        assertIdentical(expected, dst, items.size());
    }

    @Test
    void aCorruptFileStopsTheLoadNamingItAndARepairedExportResumes() throws Exception {
        String src = table("exp-corrupt", 3_000, new SampleItems(22, 0, false));
        ExportResult exported = export(src, ExportFormat.DYNAMODB_JSON, dir.resolve("export"));
        Path data = Path.of(exported.location(), "data");
        Path victim;
        try (var files = Files.list(data)) {
            victim = files.sorted().toList().get(2);
        }
        byte[] good = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(good, good.length / 2));
        String dst = emptyCopyOf(src);
        CutoverException e = assertThrows(CutoverException.class,
                () -> load(dst, dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { }));
        assertEquals(ErrorCode.EXPORT_CORRUPT, e.code());
        assertTrue(e.getMessage().contains(victim.toString()), e.getMessage());
        Files.write(victim, good);
        CopyResult again = load(dst, dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { });
        assertEquals("completed", again.status());
        assertTrue(again.tables().get(0).resumedItems() > 0, "the files loaded before the failure are not loaded again: " + again);
        assertIdentical(src, dst, 3_000);
    }

    @Test
    void aStoppedLoadResumesFromEachFilesCheckpoint() {
        String src = table("exp-stop", 6_000, new SampleItems(23, 200, false));
        export(src, ExportFormat.DYNAMODB_JSON, dir.resolve("export"));
        String dst = emptyCopyOf(src);
        AtomicLong written = new AtomicLong();
        ExportLoader[] current = new ExportLoader[1];
        CopyResult first = load(dst, dir.resolve("export"), dir.resolve("state"), new CopyProgress() {
            @Override
            public void written(long items) {
                if (written.addAndGet(items) >= 1_500) {
                    current[0].requestStop();
                }
            }
        }, l -> current[0] = l);
        assertEquals("stopped", first.status(), first.toString());
        CopyResult second = load(dst, dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { });
        assertEquals("completed", second.status());
        assertEquals(first.items(), second.tables().get(0).resumedItems());
        assertEquals(6_000, first.items() + second.items());
        assertIdentical(src, dst, 6_000);
    }

    @Test
    void refusesAMissingTargetAndAnotherJobsStateDirectory() {
        String src = table("exp-refuse", 50, new SampleItems(24, 0, false));
        export(src, ExportFormat.DYNAMODB_JSON, dir.resolve("export"));
        CutoverException missing = assertThrows(CutoverException.class,
                () -> load("no-such-table", dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { }));
        assertEquals(ErrorCode.TABLE_NOT_FOUND, missing.code());
        assertTrue(missing.getMessage().contains("create the table first"), missing.getMessage());
        String dst = emptyCopyOf(src);
        load(dst, dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { });
        String other = LocalTables.uniqueName("other");
        LocalTables.create(client, SampleItems.plainTable(other));
        CutoverException conflict = assertThrows(CutoverException.class,
                () -> load(other, dir.resolve("export"), dir.resolve("state"), CopyProgress.NONE, l -> { }));
        assertEquals(ErrorCode.STATE_CONFLICT, conflict.code());
    }

    @Test
    void requestingAnExportFromDynamoDbLocalSaysItIsNotSupported() {
        CutoverException e = assertThrows(CutoverException.class, () -> new ExportRequester(client, local("source"),
                io.cutover.core.retry.RetryPolicy.defaults(), Duration.ofMillis(100)).request("arn:aws:dynamodb:ddblocal:000000000000:table/x",
                ExportLocation.parse("--export-to", "s3://bucket/prefix"), Instant.now(), dir));
        assertEquals(ErrorCode.UNSUPPORTED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("--backfill scan"), e.getMessage());
    }

    @Test
    void anExportOlderThanCaptureIsRefusedWithBothTimes() {
        Instant capture = Instant.parse("2026-05-01T10:00:00Z");
        CutoverException e = assertThrows(CutoverException.class, () -> DynamoDbMigration.checkExportTime(
                Instant.parse("2026-05-01T09:59:59Z"), capture, "s3://b/p"));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("2026-05-01T09:59:59Z") && e.getMessage().contains("2026-05-01T10:00:00Z"), e.getMessage());
        DynamoDbMigration.checkExportTime(capture, capture, "s3://b/p");
    }

    /** The figures of docs/export.md: one table, the export load against the Scan-based copy, in the same run. */
    @Test
    void exportLoadAgainstScanCopyFigures() {
        long n = 20_000;
        String src = table("exp-bench", n, new SampleItems(25, 900, false));
        long t0 = System.nanoTime();
        // The same shape on both sides: 8 units (export files, scan segments), 8 at once, pages of 1,000.
        ExportResult exported = export(src, ExportFormat.DYNAMODB_JSON, dir.resolve("export"), 8);
        double exportSeconds = (System.nanoTime() - t0) / 1e9;
        String viaExport = emptyCopyOf(src);
        CopyResult loaded = load(CopySettings.builder(local("source"), local("target")).table(viaExport, viaExport)
                .stateDir(dir.resolve("state-load")).build(), viaExport, dir.resolve("export"), CopyProgress.NONE, l -> { });
        String viaScan = src + "-scan";
        CopyResult copied;
        try (DynamoDbCopier copier = new DynamoDbCopier(CopySettings.builder(local("source"), local("target")).table(src, viaScan)
                .stateDir(dir.resolve("state-scan")).segments(8).build(), CopyProgress.NONE, List.of())) {
            copied = copier.run();
        }
        assertEquals(n, loaded.items());
        assertEquals(n, copied.items());
        System.out.printf("FIGURES export (Scan to files): %d items in %.1f s, %.0f items/s%n", exported.items(), exportSeconds,
                exported.items() / exportSeconds);
        System.out.printf("FIGURES export load: %d items in %.1f s, %.0f items/s, 0 source reads%n", loaded.items(), loaded.seconds(),
                loaded.items() / loaded.seconds());
        System.out.printf("FIGURES scan copy:   %d items in %.1f s, %.0f items/s%n", copied.items(), copied.seconds(),
                copied.items() / copied.seconds());
        assertIdentical(src, viaExport, n);
        assertIdentical(src, viaScan, n);
    }
}
