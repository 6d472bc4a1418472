package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CopySettingsTest {
    private static final DynamoDbEndpoint SOURCE =
            new DynamoDbEndpoint("source", Optional.empty(), Optional.of("eu-west-1"), Optional.empty());
    private static final DynamoDbEndpoint TARGET =
            new DynamoDbEndpoint("target", Optional.empty(), Optional.of("us-east-1"), Optional.empty());

    /** Valid values, changed one field at a time by each test. */
    static final class Values {
        Map<String, String> tableMap = Map.of("orders", "orders_copy");
        Map<String, String> renamePrefixes = Map.of();
        Path stateDir = Path.of("state");
        boolean schemaOnly;
        boolean dataOnly;
        boolean restart;
        Optional<Integer> segments = Optional.empty();
        int parallelism = 8;
        int writeConcurrency = 16;
        double maxWriteRate;
        Optional<Integer> writeCapacityPercent = Optional.empty();
        double maxReadRate;
        int scanPageSize = 1000;

        CopySettings build() {
            return new CopySettings(SOURCE, TARGET, tableMap, renamePrefixes, stateDir, schemaOnly, dataOnly, restart, segments,
                    parallelism, writeConcurrency, maxWriteRate, writeCapacityPercent, maxReadRate, scanPageSize, true);
        }
    }

    private static CopySettings settings(Consumer<Values> change) {
        Values v = new Values();
        change.accept(v);
        return v.build();
    }

    private static CutoverException invalid(Consumer<Values> change) {
        CutoverException e = assertThrows(CutoverException.class, () -> settings(change));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertEquals(2, e.exitCode());
        return e;
    }

    @Test
    void validSettingsAreAccepted() {
        CopySettings s = settings(v -> { });

        assertEquals(Map.of("orders", "orders_copy"), s.tableMap());
        assertEquals(8, s.parallelism());
    }

    @Test
    void everyInvalidValueIsReportedTogetherInOneException() {
        CutoverException e = invalid(v -> {
            v.tableMap = Map.of("ab", "bad/name");
            v.schemaOnly = true;
            v.dataOnly = true;
            v.segments = Optional.of(0);
            v.parallelism = -1;
            v.writeConcurrency = 2000;
            v.maxWriteRate = -1;
            v.maxReadRate = -5;
            v.writeCapacityPercent = Optional.of(150);
            v.scanPageSize = 0;
            v.stateDir = null;
        });

        String message = e.getMessage();
        for (String flag : List.of("--source-table", "--target-table", "'ab'", "'bad/name'", "--schema-only", "--data-only",
                "--segments", "--parallelism", "--write-concurrency", "--max-write-rate", "--max-read-rate",
                "--write-capacity-percent", "--scan-page-size", "--state-dir")) {
            assertTrue(message.contains(flag), "names " + flag + ":\n" + message);
        }
        assertEquals(11, message.lines().count(), "one line per problem:\n" + message);
    }

    @Test
    void missingTablesAreReportedWithTheOtherProblems() {
        CutoverException e = invalid(v -> {
            v.tableMap = Map.of();
            v.renamePrefixes = Map.of();
            v.parallelism = -3;
            v.writeCapacityPercent = Optional.of(0);
        });

        String message = e.getMessage();
        assertTrue(message.contains("no tables to copy"), message);
        assertTrue(message.contains("--source-table") && message.contains("--table-map") && message.contains("--rename-prefix"),
                "says how to name tables: " + message);
        assertTrue(message.contains("--parallelism") && message.contains("was -3"), message);
        assertTrue(message.contains("--write-capacity-percent") && message.contains("was 0"), message);
        assertEquals(3, message.lines().count(), message);
    }

    static Stream<Arguments> singleProblems() {
        return Stream.of(
                Arguments.of("--segments", (Consumer<Values>) v -> v.segments = Optional.of(0)),
                Arguments.of("--segments", (Consumer<Values>) v -> v.segments = Optional.of(CopySettings.MAX_SEGMENTS + 1)),
                Arguments.of("--segments", (Consumer<Values>) v -> v.segments = Optional.of(-1)),
                Arguments.of("--parallelism", (Consumer<Values>) v -> v.parallelism = -1),
                Arguments.of("--parallelism", (Consumer<Values>) v -> v.parallelism = 1025),
                Arguments.of("--write-concurrency", (Consumer<Values>) v -> v.writeConcurrency = -1), // 0 is auto
                Arguments.of("--write-concurrency", (Consumer<Values>) v -> v.writeConcurrency = 1025),
                Arguments.of("--max-write-rate", (Consumer<Values>) v -> v.maxWriteRate = -0.5),
                Arguments.of("--max-read-rate", (Consumer<Values>) v -> v.maxReadRate = -1),
                Arguments.of("--write-capacity-percent", (Consumer<Values>) v -> v.writeCapacityPercent = Optional.of(0)),
                Arguments.of("--write-capacity-percent", (Consumer<Values>) v -> v.writeCapacityPercent = Optional.of(101)),
                Arguments.of("--scan-page-size", (Consumer<Values>) v -> v.scanPageSize = 0),
                Arguments.of("--scan-page-size", (Consumer<Values>) v -> v.scanPageSize = 10_001),
                Arguments.of("--state-dir", (Consumer<Values>) v -> v.stateDir = null),
                Arguments.of("--schema-only and --data-only", (Consumer<Values>) v -> {
                    v.schemaOnly = true;
                    v.dataOnly = true;
                }),
                Arguments.of("--source-table", (Consumer<Values>) v -> v.tableMap = Map.of("x", "valid_target")),
                Arguments.of("--target-table", (Consumer<Values>) v -> v.tableMap = Map.of("valid_source", "has space")),
                Arguments.of("--target-table", (Consumer<Values>) v -> v.tableMap = Map.of("valid_source", "t".repeat(256))),
                Arguments.of("no tables to copy", (Consumer<Values>) v -> v.tableMap = Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleProblems")
    void eachInvalidValueIsRejectedNamingItsFlag(String flag, Consumer<Values> change) {
        CutoverException e = invalid(change);

        assertTrue(e.getMessage().contains(flag), "names " + flag + ": " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void boundaryValuesAreAccepted() {
        assertDoesNotThrow(() -> settings(v -> {
            v.segments = Optional.of(1);
            v.parallelism = 1;
            v.writeConcurrency = 1;
            v.writeCapacityPercent = Optional.of(1);
            v.scanPageSize = 1;
            v.tableMap = Map.of("abc", "a.b");
        }));
        assertDoesNotThrow(() -> settings(v -> {
            v.segments = Optional.of(CopySettings.MAX_SEGMENTS);
            v.parallelism = 1024;
            v.writeConcurrency = 1024;
            v.writeCapacityPercent = Optional.of(100);
            v.scanPageSize = 10_000;
            v.maxWriteRate = 0;
            v.maxReadRate = 0;
            v.tableMap = Map.of("t".repeat(255), "Orders_2024-v1.copy");
        }));
        assertDoesNotThrow(() -> settings(v -> v.schemaOnly = true));
        assertDoesNotThrow(() -> settings(v -> v.dataOnly = true));
        assertDoesNotThrow(() -> settings(v -> {
            v.tableMap = Map.of();
            v.renamePrefixes = Map.of("prod_", "stage_");
        }));
    }

    @Test
    void explicitTablePairsAreResolvedInSourceOrder() {
        CopySettings s = settings(v -> v.tableMap = Map.of("users", "users_copy", "orders", "orders_copy"));

        assertEquals(List.of(new TablePair("orders", "orders_copy"), new TablePair("users", "users_copy")),
                s.resolvePairs(List.of()));
    }

    @Test
    void renamePrefixMapsMatchingSourceTablesAndSkipsOthers() {
        CopySettings s = settings(v -> {
            v.tableMap = Map.of();
            v.renamePrefixes = Map.of("prod_", "stage_");
        });

        List<TablePair> pairs = s.resolvePairs(List.of("prod_users", "other_table", "prod_orders", "Prod_upper", "xprod_y"));

        assertEquals(List.of(new TablePair("prod_orders", "stage_orders"), new TablePair("prod_users", "stage_users")), pairs);
    }

    @Test
    void longestMatchingRenamePrefixWins() {
        CopySettings s = settings(v -> {
            v.tableMap = Map.of();
            v.renamePrefixes = Map.of("prod_", "stage_", "prod_users_", "test_users_", "prod_u", "pu_");
        });

        List<TablePair> pairs = s.resolvePairs(List.of("prod_users_v2", "prod_orders", "prod_ux"));

        assertEquals(List.of(new TablePair("prod_orders", "stage_orders"), new TablePair("prod_users_v2", "test_users_v2"),
                new TablePair("prod_ux", "pu_x")), pairs);
    }

    @Test
    void explicitPairWinsOverARenamePrefixForTheSameSource() {
        CopySettings s = settings(v -> {
            v.tableMap = Map.of("prod_users", "special_users");
            v.renamePrefixes = Map.of("prod_", "stage_");
        });

        List<TablePair> pairs = s.resolvePairs(List.of("prod_users", "prod_orders"));

        assertEquals(List.of(new TablePair("prod_users", "special_users"), new TablePair("prod_orders", "stage_orders")), pairs);
    }

    @Test
    void renamePrefixMatchingNoSourceTableIsTableNotFound() {
        CopySettings s = settings(v -> {
            v.tableMap = Map.of();
            v.renamePrefixes = Map.of("prod_", "stage_");
        });

        CutoverException e = assertThrows(CutoverException.class, () -> s.resolvePairs(List.of("dev_users", "orders")));

        assertEquals(ErrorCode.TABLE_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("prod_"), e.getMessage());
        assertTrue(e.getMessage().contains("--rename-prefix"), e.getMessage());
        assertTrue(e.getMessage().contains("eu-west-1"), "names where it looked: " + e.getMessage());
    }

    @Test
    void renamePrefixWithNoSourceTablesAtAllIsTableNotFound() {
        CopySettings s = settings(v -> {
            v.tableMap = Map.of();
            v.renamePrefixes = Map.of("prod_", "stage_");
        });

        assertEquals(ErrorCode.TABLE_NOT_FOUND,
                assertThrows(CutoverException.class, () -> s.resolvePairs(List.of())).code());
    }

    @Test
    void explicitSegmentCountIsUsedWhateverTheTableSize() {
        CopySettings s = settings(v -> {
            v.segments = Optional.of(3);
            v.parallelism = 16;
        });

        assertEquals(3, s.segmentsFor(0));
        assertEquals(3, s.segmentsFor(1L << 40));
    }

    @Test
    void explicitSegmentCountAboveTheAutomaticCapIsKept() {
        CopySettings s = settings(v -> v.segments = Optional.of(10_000));

        assertEquals(10_000, s.segmentsFor(1L << 50));
    }

    @Test
    void automaticSegmentCountIsAtLeastParallelism() {
        CopySettings s = settings(v -> v.parallelism = 8);

        assertEquals(8, s.segmentsFor(0));
        assertEquals(8, s.segmentsFor(1));
        assertEquals(8, s.segmentsFor(8L * (256L << 20)));
    }

    /** --parallelism auto: at least as many segments as the climb may read at once, and a limit that starts at 8 and may climb. */
    @Test
    void autoParallelismHasRoomToClimb() {
        CopySettings s = settings(v -> v.parallelism = 0);

        assertEquals(CopySettings.AUTO_MAX_READERS, s.segmentsFor(1));
        assertEquals(CopySettings.AUTO_MAX_READERS, s.maxReaders());
        assertTrue(s.readers().isAdaptive());
        assertEquals(CopySettings.AUTO_START_READERS, s.readers().limit());
        assertEquals(CopySettings.AUTO_MAX_READERS, s.readers().max());
        CopySettings fixed = settings(v -> v.parallelism = 5);
        assertFalse(fixed.readers().isAdaptive());
        assertEquals(5, fixed.readers().limit());
        assertEquals(5, fixed.maxReaders());
    }

    @Test
    void automaticSegmentCountGrowsByOnePer256MiB() {
        long mib256 = 256L << 20;
        CopySettings s = settings(v -> v.parallelism = 1);

        assertEquals(1, s.segmentsFor(1));
        assertEquals(1, s.segmentsFor(mib256));
        assertEquals(2, s.segmentsFor(mib256 + 1));
        assertEquals(40, s.segmentsFor(10L << 30));
        assertEquals(41, s.segmentsFor((10L << 30) + 1));
        assertEquals(9, settings(v -> v.parallelism = 8).segmentsFor(8 * mib256 + 1));
    }

    @Test
    void automaticSegmentCountIsCappedAt4096() {
        CopySettings s = settings(v -> v.parallelism = 4);

        assertEquals(4096, s.segmentsFor(4096L * (256L << 20)));
        assertEquals(4096, s.segmentsFor(4097L * (256L << 20)));
        assertEquals(4096, s.segmentsFor(1L << 50));
        assertEquals(4096, s.segmentsFor(Long.MAX_VALUE / 2));
    }
}
