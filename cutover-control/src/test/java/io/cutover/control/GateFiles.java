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

    static void verify(Path dir, long missing, long extra, long different) throws IOException {
        Files.createDirectories(dir);
        boolean same = missing + extra + different == 0;
        VerifyResult r = new VerifyResult(same ? "identical" : "different", "full", "orders", "orders-v2", 1000, 1000 - missing + extra,
                missing, extra, different, List.of(), List.of(), List.of(), false, null, 64, same ? 0 : 1, 1.5, 666, "report.jsonl");
        JSON.writeValue(dir.resolve("verify-last.json").toFile(), r);
    }
}
