package io.cutover.sql.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveFileWriter;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.FolderArchiveStore;
import io.cutover.core.archive.RestorePoint;
import io.cutover.core.archive.StoreRestore;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.Page;
import io.cutover.core.copy.Position;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.RestoreResult;
import io.cutover.core.version.VersionAttribute;
import io.cutover.sql.MariaDbServer;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.cutover.sql.source.SqlVerifySide;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code restore --into-source} on MariaDB, below the command line: an archive of a MariaDB table's items (read through
 * the forward mapping, so exactly what a migration archives), with changes that update, delete, re-insert and add keys,
 * restored by {@link StoreRestore} through {@link SqlRestoreTarget} into fresh tables at three points, each equal to the
 * archive's state there (and verified identical), typed columns (DATETIME(3), DECIMAL, JSON, VARBINARY) as in the
 * source; into a non-empty table refused without replace, equal with it; a mapping that cannot be inverted refused
 * naming the column.
 */
class MariaDbRestoreIT {
    static final Mapping MAPPING = Mapping.fromYaml("mapping:\n  partitionKey: { attribute: pk, template: \"ACC#${id}\" }\n", "test");
    static final String COLUMNS = "(id INT PRIMARY KEY, v INT NOT NULL, at DATETIME(3), amount DECIMAL(12,2), doc JSON, bin VARBINARY(16),"
            + " note VARCHAR(100))";

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void restoresTheArchivedStateIntoMariaDbAtEachPoint() throws Exception {
        try (MariaDbServer maria = MariaDbServer.start()) {
            SqlEndpoint endpoint = SqlEndpoint.parse(maria.createDatabase("shop"));
            maria.execute("shop", "CREATE TABLE src " + COLUMNS, "CREATE TABLE dst_0 " + COLUMNS, "CREATE TABLE dst_1 " + COLUMNS,
                    "CREATE TABLE dst_2 " + COLUMNS);
            try (Connection c = maria.connect("shop");
                 PreparedStatement p = c.prepareStatement("INSERT INTO src VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (int id = 1; id <= 30; id++) {
                    p.setInt(1, id);
                    p.setInt(2, id * 7);
                    p.setObject(3, java.time.LocalDateTime.of(2026, 12, 1, 10, 0).plusNanos(id * 1_000_000L));
                    p.setBigDecimal(4, new BigDecimal(id + ".25"));
                    p.setString(5, "{\"id\": " + id + ", \"tags\": [\"a\", \"b\"]}");
                    p.setBytes(6, new byte[] {(byte) id, 0, (byte) 0xff});
                    p.setString(7, id % 3 == 0 ? null : "n" + id);
                    p.addBatch();
                }
                p.executeBatch();
            }
            java.nio.file.Files.createDirectories(dir.resolve("archive"));
            Map<String, Map<String, AttributeValue>> base = read(endpoint, "src");
            assertEquals(30, base.size());

            // The archive: the base (log position 0, read 1,000-2,000 ms), then changes at 3,000-5,000 ms.
            Map<String, AttributeValue> changed = new HashMap<>(base.get("ACC#1"));
            changed.put("v", AttributeValue.fromN("1001"));
            Map<String, AttributeValue> added = new HashMap<>(base.get("ACC#5"));
            added.put("pk", AttributeValue.fromS("ACC#100"));
            added.put("id", AttributeValue.fromN("100")); // the key attribute is made from id: an item whose id says 5 is refused
            ArchiveManifest manifest = ArchiveManifest.empty("shop.src", List.of(new ArchiveManifest.KeyAttribute("pk", "HASH", "S")));
            try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("archive/snap.jsonl.gz"), ArchiveEntry.Kind.SNAPSHOT)) {
                base.values().forEach(w::item);
                manifest = manifest.with(w.finish(0, 1000, 2000));
            }
            try (ArchiveFileWriter w = new ArchiveFileWriter(dir.resolve("archive/c1.jsonl.gz"), ArchiveEntry.Kind.CHANGES)) {
                w.change(seq(ChangeRecord.put("s", "1", key("ACC#1"), changed, 0, 3000), 1));
                w.change(seq(ChangeRecord.delete("s", "2", key("ACC#2"), 0, 3500), 2));
                w.change(seq(ChangeRecord.put("s", "3", key("ACC#2"), base.get("ACC#2"), 0, 4000), 3)); // re-inserted
                w.change(seq(ChangeRecord.delete("s", "4", key("ACC#3"), 0, 4500), 4));
                w.change(seq(ChangeRecord.put("s", "5", key("ACC#100"), added, 0, 5000), 5));
                manifest = manifest.with(w.finish(0, 0, 5500));
            }
            manifest.syncedAt(6000).save(dir.resolve("archive"));

            Map<String, Map<String, AttributeValue>> at2500 = new TreeMap<>(base);
            Map<String, Map<String, AttributeValue>> at3700 = new TreeMap<>(base);
            at3700.put("ACC#1", changed);
            at3700.remove("ACC#2");
            Map<String, Map<String, AttributeValue>> at6000 = new TreeMap<>(at3700);
            at6000.put("ACC#2", base.get("ACC#2"));
            at6000.remove("ACC#3");
            at6000.put("ACC#100", added);
            List<Map<String, Map<String, AttributeValue>>> expected = List.of(at2500, at3700, at6000);
            long[] points = {2500, 3700, 6000};
            for (int i = 0; i < points.length; i++) {
                RestoreResult r = restore(endpoint, "dst_" + i, points[i], "r" + i, false);
                assertEquals("completed", r.status());
                assertEquals(expected.get(i), read(endpoint, "dst_" + i), "dst_" + i + " as the archive held it at " + points[i] + " ms");
            }
            assertSameColumns(maria, "dst_2", 100, 5); // the added key's row carries row 5's typed values
            assertSameColumns(maria, "dst_2", 7, 7);

            CutoverException refused = assertThrows(CutoverException.class, () -> restore(endpoint, "dst_2", 2500, "refused", false));
            assertEquals(ErrorCode.TARGET_INCOMPATIBLE, refused.code());
            assertTrue(refused.getMessage().contains("already holds 30 rows") && refused.getMessage().contains("--replace"), refused.getMessage());
            assertEquals(at6000, read(endpoint, "dst_2"), "a refused restore changes nothing");
            RestoreResult replaced = restore(endpoint, "dst_2", 2500, "replace", true);
            assertEquals(1, replaced.itemsDeleted(), "ACC#100 is not in the state at 2,500 ms");
            assertEquals(at2500, read(endpoint, "dst_2"), "--replace makes the table the archive's state at the point");

            Mapping lossy = Mapping.fromYaml("mapping:\n  partitionKey: { attribute: pk, template: \"ACC#${id}\" }\n  attributes:\n    exclude: [note]\n", "lossy");
            CutoverException notInvertible = assertThrows(CutoverException.class,
                    () -> new SqlRestoreTarget(endpoint, "dst_0", lossy, VersionAttribute.DEFAULT).close());
            assertEquals(ErrorCode.CONFIG_INVALID, notInvertible.code());
            assertTrue(notInvertible.getMessage().contains("column note"), notInvertible.getMessage());
        }
    }

    private RestoreResult restore(SqlEndpoint endpoint, String table, long pointMillis, String state, boolean replace) {
        StoreRestore.Settings settings = new StoreRestore.Settings(new FolderArchiveStore(dir.resolve("archive")),
                RestorePoint.at(Instant.ofEpochMilli(pointMillis)), table, dir.resolve(state), 2, 4, replace);
        try (StoreRestore restore = new StoreRestore(settings, new SqlRestoreTarget(endpoint, table, MAPPING, VersionAttribute.DEFAULT))) {
            RestoreResult r = restore.run(CopyProgress.NONE);
            var v = restore.verify(CopyProgress.NONE);
            assertTrue(v.identical(), table + " verifies identical with the archive's state: " + v + " " + read(endpoint, table).keySet());
            return r;
        }
    }

    /** The table's items through the forward mapping, by key: what a migration of it writes into DynamoDB. */
    private Map<String, Map<String, AttributeValue>> read(SqlEndpoint endpoint, String table) {
        SqlTable t = new SqlTable(endpoint, table);
        Map<String, Map<String, AttributeValue>> out = new TreeMap<>();
        try (FileDeadLetterSink none = new FileDeadLetterSink(dir.resolve("unmappable-" + table + ".jsonl"))) {
            for (SnapshotUnit u : new SqlVerifySide(t, MAPPING.bind(t.schema()), none).units(1)) {
                Position after = null;
                do {
                    Page page = u.readPage(after);
                    page.items().forEach(i -> out.put(i.get("pk").s(), i));
                    after = page.next();
                } while (after != null);
            }
            assertEquals(0, none.count());
        }
        return out;
    }

    private static void assertSameColumns(MariaDbServer maria, String table, int id, int srcId) throws Exception {
        try (Connection c = maria.connect("shop");
             ResultSet a = c.createStatement().executeQuery("SELECT v, at, amount, doc, bin, note FROM " + table + " WHERE id = " + id);
             ResultSet b = c.createStatement().executeQuery("SELECT v, at, amount, doc, bin, note FROM src WHERE id = " + srcId)) {
            assertTrue(a.next() && b.next());
            assertEquals(b.getObject("at"), a.getObject("at"));
            assertEquals(b.getBigDecimal("amount"), a.getBigDecimal("amount"));
            assertEquals(b.getString("doc").replace(" ", ""), a.getString("doc").replace(" ", ""));
            assertArrayEquals(b.getBytes("bin"), a.getBytes("bin"));
            assertEquals(b.getString("note"), a.getString("note"));
        }
    }

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of("pk", AttributeValue.fromS(pk));
    }

    private static ChangeRecord seq(ChangeRecord c, long seq) {
        return new ChangeRecord(seq, c.partition(), c.sourcePosition(), c.key(), c.operation(), c.image(), c.sourceTimeMillis(),
                c.capturedAtMillis());
    }
}
