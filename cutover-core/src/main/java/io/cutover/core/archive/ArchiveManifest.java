package io.cutover.core.archive;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The archive's table of contents ({@code manifest.json}): the table it holds, its key schema (so that a restore
 * can create the table), and every file with what it holds and its checksum. Written atomically after the file
 * it adds, so a crash leaves at most an unnamed file that the next run overwrites.
 *
 * @param format     always {@link ArchiveFormat#NAME}
 * @param version    the format version ({@link ArchiveFormat#VERSION})
 * @param sourceTable the table the archive was taken from
 * @param keySchema  the table's key attributes, partition key first
 * @param files      snapshots and change segments, in the order they were added
 * @param syncedAtMillis when the change log was last read into the archive (or the last snapshot ended): the newest
 *                   time the archive can restore to
 */
public record ArchiveManifest(String format, int version, String sourceTable, List<KeyAttribute> keySchema, List<ArchiveEntry> files,
                              long syncedAtMillis) {
    public static final String FILE = "manifest.json";

    /** One key attribute: its name, HASH or RANGE, and its scalar type (S, N or B). */
    public record KeyAttribute(String name, String keyType, String attributeType) {
    }

    public ArchiveManifest {
        Objects.requireNonNull(sourceTable, "sourceTable");
        keySchema = List.copyOf(keySchema);
        files = List.copyOf(files);
    }

    public static ArchiveManifest empty(String sourceTable, List<KeyAttribute> keySchema) {
        return new ArchiveManifest(ArchiveFormat.NAME, ArchiveFormat.VERSION, sourceTable, keySchema, List.of(), 0);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The manifest in {@code dir}, or empty when the folder holds no archive yet. */
    public static Optional<ArchiveManifest> load(Path dir) {
        return load(new FolderArchiveStore(dir));
    }

    /** The store's manifest, or empty when it holds no archive yet. */
    public static Optional<ArchiveManifest> load(ArchiveStore store) {
        Optional<ArchiveManifest> m = store.read(FILE).map(bytes -> {
            try {
                return JSON.readValue(bytes, ArchiveManifest.class);
            } catch (java.io.IOException e) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, store.describe(FILE) + " is damaged (" + e.getMessage() + "):"
                        + " restore it from a copy of the archive, or start a new archive in an empty folder", e);
            }
        });
        m.ifPresent(x -> {
            if (!ArchiveFormat.NAME.equals(x.format()) || x.version() > ArchiveFormat.VERSION) {
                throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, store.describe(FILE) + " is format " + x.format() + " version "
                        + x.version() + ", which this build (version " + ArchiveFormat.VERSION + ") cannot read: use a newer cutover");
            }
        });
        return m;
    }

    public static ArchiveManifest require(Path dir) {
        return require(new FolderArchiveStore(dir));
    }

    public static ArchiveManifest require(ArchiveStore store) {
        return load(store).orElseThrow(() -> new CutoverException(ErrorCode.ARCHIVE_CORRUPT, "no archive at " + store.location()
                + " (" + FILE + " is missing): pass the folder or S3 prefix that cutover archive snapshot wrote"));
    }

    public void save(Path dir) {
        save(new FolderArchiveStore(dir));
    }

    /** Replaces the manifest whole (a folder: write-then-rename; S3: one PutObject), after every file it names is in place. */
    public void save(ArchiveStore store) {
        try {
            store.replace(FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot write " + store.describe(FILE) + ": " + e.getMessage(), e);
        }
    }

    public ArchiveManifest with(ArchiveEntry entry) {
        List<ArchiveEntry> all = new ArrayList<>(files);
        all.add(entry);
        return new ArchiveManifest(format, version, sourceTable, keySchema, all, Math.max(syncedAtMillis, entry.readAtMillis()));
    }

    /** The same files, read up to {@code millis}. */
    public ArchiveManifest syncedAt(long millis) {
        return new ArchiveManifest(format, version, sourceTable, keySchema, files, Math.max(syncedAtMillis, millis));
    }

    /** The oldest time the archive can restore to: when its first snapshot's scan ended (empty before any). */
    public Optional<Long> oldestRestorableMillis() {
        return snapshots().stream().map(ArchiveEntry::readAtMillis).min(Long::compare);
    }

    public List<ArchiveEntry> snapshots() {
        return files.stream().filter(f -> f.kind() == ArchiveEntry.Kind.SNAPSHOT).toList();
    }

    public List<ArchiveEntry> changes() {
        return files.stream().filter(f -> f.kind() == ArchiveEntry.Kind.CHANGES).sorted(Comparator.comparingLong(ArchiveEntry::firstSequence)).toList();
    }

    /** The log sequence after which the next sync continues: the last change archived, or the first snapshot's position. */
    public long syncedSequence() {
        return changes().stream().mapToLong(ArchiveEntry::lastSequence).max()
                .orElse(snapshots().stream().mapToLong(ArchiveEntry::firstSequence).min().orElse(0));
    }

    public List<String> keyNames() {
        return keySchema.stream().map(KeyAttribute::name).toList();
    }
}
