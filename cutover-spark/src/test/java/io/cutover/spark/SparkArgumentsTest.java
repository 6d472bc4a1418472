package io.cutover.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import org.junit.jupiter.api.Test;

class SparkArgumentsTest {
    @Test
    void readsACopyWithBothSidesAndTheJobsRates() {
        SparkJobSettings s = SparkArguments.parse("copy", "--source-table", "orders", "--target-table", "orders-v2",
                "--source-region", "eu-west-1", "--target-region", "us-east-1", "--target-profile", "staging",
                "--state-dir", "/mnt/efs/orders", "--segments", "512", "--max-write-rate", "40000", "--tasks-at-once", "64");
        assertEquals("eu-west-1", s.source().region());
        assertEquals("us-east-1", s.target().region());
        assertEquals("staging", s.target().profile());
        assertNull(s.source().profile());
        assertEquals(512, s.segments());
        assertEquals(64, s.tasksAtOnce());
        assertEquals(40_000, s.maxWriteRate());
        assertEquals(s.source().toEndpoint().region().orElseThrow(), "eu-west-1");
    }

    @Test
    void reportsEveryProblemTogetherNamingTheFlag() {
        CutoverException e = assertThrows(CutoverException.class, () -> SparkArguments.parse("copy", "--segments", "many",
                "--max-write-rate", "fast", "--colour", "red"));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("--segments"), e.getMessage());
        assertTrue(e.getMessage().contains("--max-write-rate"), e.getMessage());
        assertTrue(e.getMessage().contains("--colour"), e.getMessage());
    }

    @Test
    void settingsRefuseWhatCannotWorkAllAtOnce() {
        CutoverException e = assertThrows(CutoverException.class, () -> SparkArguments.parse("load", "--target-table", "t",
                "--state-dir", "s3://bucket/state", "--write-concurrency", "0", "--buckets", "1000"));
        assertTrue(e.getMessage().contains("--from-export"), e.getMessage());
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
        assertTrue(e.getMessage().contains("--write-concurrency"), e.getMessage());
        assertTrue(e.getMessage().contains("--buckets"), e.getMessage());
    }

    @Test
    void theJobsRateIsSharedOutAcrossTheTasksRunningAtOnce() {
        assertEquals(625.0, SparkCopyTask.share(40_000, 64));
        assertEquals(0.0, SparkCopyTask.share(0, 64), "no limit stays no limit");
        assertEquals(1.0, SparkCopyTask.share(10, 64), "never below one item a second");
    }
}
