package io.cutover.dynamodb.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.Page;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.item.ItemSize;
import io.cutover.local.SampleItems;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Export files in memory: every type in both formats, the layout DynamoDB writes, and every kind of damage named. */
class ExportFilesTest {
    static final String FOLDER = "AWSDynamoDB/01700000000000-abcdef12/";

    /** Every DynamoDB type, a 38-digit number, empty strings, nulls, binary with every byte, sets, 32 levels of nesting. */
    static Map<String, AttributeValue> everyType(int i) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS("key#" + i));
        item.put("sk", AttributeValue.fromS("s"));
        item.put("empty", AttributeValue.fromS(""));
        item.put("unicode", AttributeValue.fromS("naïve ☃ \"quoted\" \\ back\nslash \u0000 \uD83D\uDE00"));
        item.put("n38", AttributeValue.fromN("12345678901234567890123456789012345678"));
        item.put("small", AttributeValue.fromN("-0.00000000000000000000000000000000000123"));
        item.put("big", AttributeValue.fromN("9.9999999999999999999999999999999999999E+125"));
        item.put("tiny", AttributeValue.fromN("1E-130"));
        item.put("decimal", AttributeValue.fromN("1.50"));
        byte[] all = new byte[256];
        for (int b = 0; b < 256; b++) {
            all[b] = (byte) b;
        }
        item.put("bin", AttributeValue.fromB(SdkBytes.fromByteArray(all)));
        item.put("emptyBin", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
        item.put("t", AttributeValue.fromBool(true));
        item.put("f", AttributeValue.fromBool(false));
        item.put("nul", AttributeValue.fromNul(true));
        item.put("ss", AttributeValue.fromSs(List.of("a", "", "ç")));
        item.put("ns", AttributeValue.fromNs(List.of("1", "-2.5", "12345678901234567890123456789012345678")));
        item.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {0}), SdkBytes.fromByteArray(new byte[] {1, 2}))));
        item.put("l", AttributeValue.fromL(List.of(AttributeValue.fromS(""), AttributeValue.fromNul(true), AttributeValue.fromL(List.of()),
                AttributeValue.fromM(Map.of()))));
        AttributeValue deep = AttributeValue.fromS("bottom");
        for (int d = 0; d < 31; d++) {
            deep = d % 2 == 0 ? AttributeValue.fromM(Map.of("m" + d, deep)) : AttributeValue.fromL(List.of(deep, AttributeValue.fromN("" + d)));
        }
        item.put("deep", deep);
        item.put("strange name: with spaces, 'quotes' and $ion", AttributeValue.fromS("x"));
        return item;
    }

    /** An item just under 400 KB. */
    static Map<String, AttributeValue> largest() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS("large"));
        item.put("sk", AttributeValue.fromS("s"));
        item.put("pad", AttributeValue.fromS("x".repeat(ItemSize.MAX_ITEM_BYTES - 100)));
        return item;
    }

    static List<Map<String, AttributeValue>> items() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            items.add(everyType(i));
        }
        SampleItems sample = new SampleItems(11, 0);
        for (int i = 0; i < 5_001; i += 250) {
            items.add(sample.item(i));
        }
        items.add(sample.item(7));
        items.add(sample.item(11));
        items.add(largest());
        return items;
    }

    /** Writes {@code items} over {@code files} data files and the manifests, as DynamoDB lays them out. */
    static ExportManifest export(ExportStore store, ExportFormat format, List<Map<String, AttributeValue>> items, int files) {
        List<ExportDataFile> written = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            try (ExportFileWriter w = new ExportFileWriter(store, FOLDER + "data/file" + f + format.fileSuffix(), format)) {
                for (int i = f; i < items.size(); i += files) {
                    w.write(items.get(i));
                }
                written.add(w.finish());
            }
        }
        long count = written.stream().mapToLong(ExportDataFile::itemCount).sum();
        ExportManifest.Summary summary = new ExportManifest.Summary("2020-06-30", "arn:aws:dynamodb:us-east-1:123456789012:table/T/export/x",
                "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "arn:aws:dynamodb:us-east-1:123456789012:table/T", "id",
                "2026-01-01T00:00:00Z", "bucket", null, "AES256", null, FOLDER + ExportManifest.FILES, 0L, count, format.name(), "FULL_EXPORT");
        ExportManifest m = new ExportManifest(FOLDER, summary, written);
        m.write(store);
        return m;
    }

    static List<Map<String, AttributeValue>> readAll(ExportStore store, int pageSize) {
        ExportManifest m = ExportManifest.read(store);
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        for (int i = 0; i < m.files().size(); i++) {
            ExportFileUnit unit = new ExportFileUnit(store, m, i, pageSize);
            Page page = unit.readPage(null);
            out.addAll(page.items());
            while (!page.last()) {
                page = unit.readPage(page.next());
                out.addAll(page.items());
            }
        }
        return out;
    }

    static List<String> canonical(List<Map<String, AttributeValue>> items) {
        return items.stream().map(CanonicalItem::of).sorted().toList();
    }

    @ParameterizedTest
    @EnumSource(ExportFormat.class)
    void everyTypeRoundTripsExactly(ExportFormat format) {
        InMemoryExportStore store = new InMemoryExportStore();
        List<Map<String, AttributeValue>> items = items();
        export(store, format, items, 3);
        List<Map<String, AttributeValue>> read = readAll(store, 7);
        assertEquals(canonical(items), canonical(read));
        // Exact digits, not only equal values: what the service will be sent.
        Map<String, AttributeValue> first = read.stream().filter(i -> i.get("pk").s().equals("key#0")).findFirst().orElseThrow();
        assertEquals("12345678901234567890123456789012345678", first.get("n38").n());
        assertEquals(everyType(0).get("bin"), first.get("bin"));
        assertEquals(everyType(0).get("unicode"), first.get("unicode"));
        assertEquals("", first.get("empty").s());
        assertTrue(first.get("nul").nul());
    }

    @Test
    void readsTheItemsOfAwsDocumentedLines() throws IOException {
        String json = "{\"Item\":{\"Authors\":{\"SS\":[\"Author1\",\"Author2\"]},\"Id\":{\"N\":\"103\"},\"InPublication\":{\"BOOL\":false},"
                + "\"Price\":{\"N\":\"2000\"},\"Title\":{\"S\":\"Book 103 Title\"}}}\n";
        String ion = "$ion_1_0 {Item:{Authors:$dynamodb_SS::[\"Author1\",\"Author2\"],Id:103.,InPublication:false,PageCount:6d2,"
                + "Price:2d3,Pic:{{AAEC}},Nums:$dynamodb_NS::[1.,2.50],Bins:$dynamodb_BS::[{{AA==}}],Gone:null,"
                + "L:[1,\"a\",{x:true}],'odd name':\"v\"}}\n";
        Map<String, AttributeValue> fromJson = readOne(ExportFormat.DYNAMODB_JSON, json);
        assertEquals(List.of("Author1", "Author2"), fromJson.get("Authors").ss());
        assertEquals("103", fromJson.get("Id").n());
        Map<String, AttributeValue> fromIon = readOne(ExportFormat.ION, ion);
        assertEquals(List.of("Author1", "Author2"), fromIon.get("Authors").ss());
        assertEquals("103", fromIon.get("Id").n());
        assertEquals(0, new java.math.BigDecimal(fromIon.get("PageCount").n()).compareTo(new java.math.BigDecimal("600")));
        assertEquals(0, new java.math.BigDecimal(fromIon.get("Price").n()).compareTo(new java.math.BigDecimal("2000")));
        assertEquals(SdkBytes.fromByteArray(new byte[] {0, 1, 2}), fromIon.get("Pic").b());
        assertEquals(List.of("1", "2.50"), fromIon.get("Nums").ns());
        assertEquals(1, fromIon.get("Bins").bs().size());
        assertTrue(fromIon.get("Gone").nul());
        assertEquals("1", fromIon.get("L").l().get(0).n());
        assertTrue(fromIon.get("L").l().get(2).m().get("x").bool());
        assertEquals("v", fromIon.get("odd name").s());
    }

    private static Map<String, AttributeValue> readOne(ExportFormat format, String text) throws IOException {
        InMemoryExportStore store = new InMemoryExportStore();
        byte[] gz = gzip(text.getBytes(StandardCharsets.UTF_8));
        store.put(FOLDER + "data/one" + format.fileSuffix(), gz);
        writeManifests(store, format, List.of(new ExportDataFile(1, md5(gz), null, "prefix/" + FOLDER + "data/one" + format.fileSuffix())));
        List<Map<String, AttributeValue>> items = readAll(store, 10);
        assertEquals(1, items.size());
        return items.get(0);
    }

    private static void writeManifests(InMemoryExportStore store, ExportFormat format, List<ExportDataFile> files) {
        long count = files.stream().mapToLong(ExportDataFile::itemCount).sum();
        new ExportManifest(FOLDER, new ExportManifest.Summary("2020-06-30", null, null, null, null, null, "2026-01-01T00:00:00Z", null, null,
                null, null, FOLDER + ExportManifest.FILES, null, count, format.name(), null), files).write(store);
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    static String md5(byte[] b) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CutoverException loadFails(InMemoryExportStore store) {
        CutoverException e = assertThrows(CutoverException.class, () -> readAll(store, 5));
        assertEquals(ErrorCode.EXPORT_CORRUPT, e.code(), e.getMessage());
        return e;
    }

    @ParameterizedTest
    @EnumSource(ExportFormat.class)
    void aTruncatedFileIsNamed(ExportFormat format) {
        InMemoryExportStore store = new InMemoryExportStore();
        ExportManifest m = export(store, format, items(), 2);
        String key = m.dataKey(m.files().get(1));
        byte[] whole = store.get(key);
        store.put(key, Arrays.copyOf(whole, whole.length * 2 / 3));
        CutoverException e = loadFails(store);
        assertTrue(e.getMessage().contains(store.describe(key)), e.getMessage());
    }

    @Test
    void aChangedFileFailsItsChecksum() throws IOException {
        InMemoryExportStore store = new InMemoryExportStore();
        ExportManifest m = export(store, ExportFormat.DYNAMODB_JSON, items().subList(0, 4), 1);
        String key = m.dataKey(m.files().get(0));
        // The same items, compressed again at another level: valid gzip, valid lines, other bytes.
        byte[] plain = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(store.get(key))).readAllBytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out) { { def.setLevel(1); } }) {
            gz.write(plain);
        }
        store.put(key, out.toByteArray());
        CutoverException e = loadFails(store);
        assertTrue(e.getMessage().contains("md5Checksum") && e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aBadJsonLineIsNamedWithItsLine() throws IOException {
        InMemoryExportStore store = new InMemoryExportStore();
        byte[] gz = gzip(("{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n{\"Item\":{\"pk\":{\"S\":\"b\"}\n").getBytes(StandardCharsets.UTF_8));
        store.put(FOLDER + "data/bad.json.gz", gz);
        writeManifests(store, ExportFormat.DYNAMODB_JSON, List.of(new ExportDataFile(2, md5(gz), null, FOLDER + "data/bad.json.gz")));
        CutoverException e = loadFails(store);
        assertTrue(e.getMessage().contains("bad.json.gz line 2"), e.getMessage());
    }

    @Test
    void aWrongTypeKeyIsNamed() throws IOException {
        InMemoryExportStore store = new InMemoryExportStore();
        byte[] gz = gzip("{\"Item\":{\"pk\":{\"X\":\"a\"}}}\n".getBytes(StandardCharsets.UTF_8));
        store.put(FOLDER + "data/bad.json.gz", gz);
        writeManifests(store, ExportFormat.DYNAMODB_JSON, List.of(new ExportDataFile(1, md5(gz), null, FOLDER + "data/bad.json.gz")));
        assertTrue(loadFails(store).getMessage().contains("line 1"));
    }

    @Test
    void badIonIsNamed() throws IOException {
        InMemoryExportStore store = new InMemoryExportStore();
        byte[] gz = gzip("$ion_1_0 {Item:{pk:\"a\"}}\n$ion_1_0 {Item:{pk:\"b\", n:1.5e0}}\n".getBytes(StandardCharsets.UTF_8));
        store.put(FOLDER + "data/bad.ion.gz", gz);
        writeManifests(store, ExportFormat.ION, List.of(new ExportDataFile(2, md5(gz), null, FOLDER + "data/bad.ion.gz")));
        CutoverException e = loadFails(store);
        assertTrue(e.getMessage().contains("bad.ion.gz item 2") && e.getMessage().contains("float"), e.getMessage());
    }

    @Test
    void aCountMismatchIsNamed() throws IOException {
        InMemoryExportStore store = new InMemoryExportStore();
        byte[] gz = gzip("{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n".getBytes(StandardCharsets.UTF_8));
        store.put(FOLDER + "data/short.json.gz", gz);
        writeManifests(store, ExportFormat.DYNAMODB_JSON, List.of(new ExportDataFile(2, null, null, FOLDER + "data/short.json.gz")));
        CutoverException e = loadFails(store);
        assertTrue(e.getMessage().contains("short.json.gz holds 1 items, the manifest says 2"), e.getMessage());
    }

    @Test
    void aMissingFileAndAnEmptyFileAreTold() {
        InMemoryExportStore store = new InMemoryExportStore();
        store.put(FOLDER + "data/empty.json.gz", new byte[0]);
        writeManifests(store, ExportFormat.DYNAMODB_JSON, List.of(new ExportDataFile(0, md5(new byte[0]), null, FOLDER + "data/empty.json.gz"),
                new ExportDataFile(1, null, null, FOLDER + "data/gone.json.gz")));
        CutoverException e = loadFails(store);
        assertTrue(e.getMessage().contains("gone.json.gz is missing"), e.getMessage());
    }

    @Test
    void aResumedUnitStartsAfterItsCheckpoint() {
        InMemoryExportStore store = new InMemoryExportStore();
        List<Map<String, AttributeValue>> items = items().subList(0, 30);
        ExportManifest m = export(store, ExportFormat.DYNAMODB_JSON, items, 1);
        Page rest = new ExportFileUnit(store, m, 0, 100).readPage(new ExportFilePosition(12));
        assertNull(rest.next());
        assertEquals(canonical(items.subList(12, 30)), canonical(rest.items()));
    }

    @Test
    void aConnectionResetMidFileIsRetriedFromTheCheckpointNotCalledDamage() {
        InMemoryExportStore store = new InMemoryExportStore();
        List<Map<String, AttributeValue>> items = items();
        ExportManifest m = export(store, ExportFormat.DYNAMODB_JSON, items, 1);
        int[] opens = {0};
        ExportStore flaky = new ExportStore() {
            @Override
            public String describe(String key) {
                return store.describe(key);
            }

            @Override
            public boolean exists(String key) {
                return store.exists(key);
            }

            @Override
            public java.io.InputStream open(String key) {
                java.io.InputStream in = store.open(key);
                if (!key.contains("/data/") || ++opens[0] > 1) {
                    return in;
                }
                return new java.io.FilterInputStream(in) {
                    private long read;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (read > 2_000) {
                            throw new java.net.SocketException("Connection reset");
                        }
                        int n = super.read(b, off, Math.min(len, 512));
                        read += Math.max(0, n);
                        return n;
                    }
                };
            }

            @Override
            public List<String> list(String prefix) {
                return store.list(prefix);
            }

            @Override
            public java.io.OutputStream create(String key) {
                return store.create(key);
            }

            @Override
            public void close() {
            }
        };
        ExportFileUnit unit = new ExportFileUnit(flaky, m, 0, 1000, new io.cutover.core.retry.RetryPolicy(3, java.time.Duration.ZERO,
                java.time.Duration.ZERO));
        Page page = unit.readPage(null);
        List<Map<String, AttributeValue>> read = new ArrayList<>(page.items());
        while (!page.last()) {
            page = unit.readPage(page.next());
            read.addAll(page.items());
        }
        assertEquals(2, opens[0], "the file was opened again after the reset");
        assertEquals(canonical(items), canonical(read));
    }

    @Test
    void twoExportsUnderOnePrefixAreRefusedNamingBoth() {
        InMemoryExportStore store = new InMemoryExportStore();
        export(store, ExportFormat.DYNAMODB_JSON, items().subList(0, 2), 1);
        store.put("AWSDynamoDB/01800000000000-00000000/" + ExportManifest.SUMMARY, "{}".getBytes(StandardCharsets.UTF_8));
        CutoverException e = assertThrows(CutoverException.class, () -> ExportManifest.read(store));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("holds 2 exports"), e.getMessage());
    }

    @Test
    void anIncrementalExportIsRefused() {
        InMemoryExportStore store = new InMemoryExportStore();
        new ExportManifest("", new ExportManifest.Summary("2020-06-30", null, null, null, null, null, "2026-01-01T00:00:00Z", null, null,
                null, null, ExportManifest.FILES, null, 0L, "DYNAMODB_JSON", "INCREMENTAL_EXPORT"), List.of()).write(store);
        CutoverException e = assertThrows(CutoverException.class, () -> ExportManifest.read(store));
        assertTrue(e.getMessage().contains("FULL_EXPORT"), e.getMessage());
    }

    @Test
    void locationsParse() {
        ExportLocation s3 = ExportLocation.parse("--from-export", "s3://my-bucket/exports/2026/");
        assertEquals("my-bucket", s3.bucket().orElseThrow());
        assertEquals("exports/2026", s3.prefix());
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(CutoverException.class,
                () -> ExportLocation.parse("--from-export", "s3://A_B/x")).code());
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(CutoverException.class,
                () -> ExportLocation.parse("--from-export", "http://x/y")).code());
        assertTrue(ExportLocation.parse("--from-export", "some/dir").folder().isPresent());
    }
}
