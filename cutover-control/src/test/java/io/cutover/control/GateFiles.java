package io.cutover.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Writes the files a migration and a verify leave in their state directories, from the real result records. */
final class GateFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GateFiles() {
    }

    static void status(Path dir, String phase, long lagP99, long backlog, long deadLettered, Instant at) throws IOException {
        Files.createDirectories(dir);
        MigrationStatus s = new MigrationStatus(phase, "orders", "orders-v2", "arn:stream", 1000, 5000, 4990, 3, deadLettered, backlog,
                120.5, 900, 1200, 1500, lagP99 / 2, lagP99, lagP99 + 10, Map.of("shard-1", "42"), at.toString());
        JSON.writeValue(dir.resolve("status.json").toFile(), s);
    }

    /** migration.json of a migration that reached IN_SYNC at {@code at}. */
    static void inSync(Path dir, Instant at) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve("migration.json");
        JSON.writeValue(f.toFile(), new io.cutover.dynamodb.DynamoDbMigration.State("IN_SYNC", "orders", "orders-v2", "arn:stream", 1000));
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(at));
    }

    /** A verify of other tables than the registered ones, finished at {@code at}. */
    static void verifyOf(Path dir, String source, String target, Instant at) throws IOException {
        Files.createDirectories(dir);
        VerifyResult r = new VerifyResult("identical", "full", "source table " + source + " at http://x", "target table " + target
                + " at http://x", 10, 10, 0, 0, 0, List.of(), List.of(), List.of(), false, null, 64, 0, 1.5, 666, "report.jsonl");
        JSON.writeValue(dir.resolve("verify-last.json").toFile(), r);
        Files.setLastModifiedTime(dir.resolve("verify-last.json"), java.nio.file.attribute.FileTime.from(at));
    }

    static void verify(Path dir, long missing, long extra, long different) throws IOException {
        verify(dir, "orders", "orders-v2", missing, extra, different);
    }

    static void verify(Path dir, String source, String target, long missing, long extra, long different) throws IOException {
        Files.createDirectories(dir);
        boolean same = missing + extra + different == 0;
        VerifyResult r = new VerifyResult(same ? "identical" : "different", "full", source, target, 1000, 1000 - missing + extra,
                missing, extra, different, List.of(), List.of(), List.of(), false, null, 64, same ? 0 : 1, 1.5, 666, "report.jsonl");
        JSON.writeValue(dir.resolve("verify-last.json").toFile(), r);
    }
}
