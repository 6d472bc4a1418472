package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A user's mistake is refused before any server is touched, in one line, with exit 2, no stack trace
 * and no password. The sources named here are on port 1 of loopback: nothing listens there, so a
 * command that got as far as connecting would end in exit 3, not 2.
 */
class UsageErrorsTest {
    private static final String SECRET = "se/cr@t";

    private static void assertCleanUsageError(CliRun run, String expected) {
        assertEquals(2, run.exitCode(), run.all());
        assertTrue(run.err().contains(expected), "expected '" + expected + "' in: " + run.err());
        assertFalse(run.all().contains("\tat ") || run.all().contains("Exception"), "no stack trace: " + run.all());
        assertFalse(run.all().contains("cr@t") || run.all().contains("se/cr"), "no password: " + run.all());
    }

    @Test
    void invalidTargetTableIsRefusedUpFrontOnEverySourcePath() {
        String[][] sources = {
            {"--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "logs", "--mapping", "no-such-mapping.yaml"},
            {"--source", "mariadb://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "logs", "--mapping", "no-such-mapping.yaml"},
            {"--source", "mongodb://app:" + SECRET + "@127.0.0.1:1/shop", "--source-collection", "logs"},
            {"--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1", "--source-table", "orders"},
        };
        for (String[] source : sources) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("migrate", "--target-table", "ab", "--no-progress"));
            args.addAll(java.util.List.of(source));
            assertCleanUsageError(CliRun.of(args.toArray(String[]::new)), "--target-table: 'ab' is not a DynamoDB table name");
        }
    }

    @Test
    void theReverseIntoSqlNeedsCaptureOnlyAndAMapping() {
        CliRun run = CliRun.of("migrate", "--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1", "--source-table", "logs",
                "--target-table", "integration_logs", "--into", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--no-progress");
        assertCleanUsageError(run, "--target (--into) a SQL table (postgresql://, mysql://, mariadb://) needs --capture-only");
        assertTrue(run.err().contains("needs the --mapping of the SQL table"), "every problem at once: " + run.err());
    }

    @Test
    void theReverseIntoMongoDbNeedsCaptureOnlyACollectionAndAKeyAttribute() {
        for (String flag : new String[] {"--target", "--into"}) {
            CliRun run = CliRun.of("migrate", "--endpoint-url", "http://127.0.0.1:1", "--region", "us-east-1", "--source-table", "orders",
                    flag, "mongodb://app:" + SECRET + "@127.0.0.1:1/shop", "--no-progress");
            assertCleanUsageError(run, "--target (--into) a MongoDB collection (mongodb://) needs --capture-only");
            assertTrue(run.err().contains("needs --collection NAME and --key-attribute NAME"), "every problem at once: " + run.err());
        }
        assertCleanUsageError(CliRun.of("migrate", "--source", "mongodb://app:" + SECRET + "@127.0.0.1:1/shop", "--collection", "orders",
                "--key-attribute", "id", "--target", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--mapping", "m.yaml", "--capture-only"),
                "and a DynamoDB --source-table (no --source)");
    }

    @Test
    void anUnknownSchemeIsRefusedTheSameWayOnEveryCommand() {
        assertCleanUsageError(CliRun.of("migrate", "--source-table", "orders", "--capture-only", "--target", "redis://app:" + SECRET + "@h/0"),
                "--target 'redis:...' is not a store this build knows");
        assertCleanUsageError(CliRun.of("verify", "--source", "cassandra://app:" + SECRET + "@h/ks", "--target-table", "orders"),
                "--source 'cassandra:...' is not a store this build knows");
        assertCleanUsageError(CliRun.of("archive", "snapshot", "--source", "redis://app:" + SECRET + "@h/0", "--archive", "a"),
                "--source 'redis:...' is not a store this build knows");
        assertCleanUsageError(CliRun.of("status", "--source", "redis://h/0", "--state-dir", "."),
                "--source 'redis:...' is not a store this build knows");
        assertCleanUsageError(CliRun.of("verify", "--source", "mongodb://h/shop", "--collection", "o", "--key-attribute", "id",
                "--target", "postgresql://app:" + SECRET + "@h/db"), "verify compares a store with a DynamoDB table in this build");
    }

    @Test
    void everyBadNumberIsReportedTogether() {
        CliRun run = CliRun.of("migrate", "--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "logs",
                "--parallelism", "-1", "--write-concurrency", "5000", "--page-size", "0", "--target-table", "x");
        assertCleanUsageError(run, "--parallelism must be auto or between 1 and 1024, was -1");
        assertTrue(run.err().contains("--write-concurrency") && run.err().contains("--page-size") && run.err().contains("'x'"), run.err());
    }

    @Test
    void adaptiveReadersAreForADynamoDbSourceOnly() {
        assertCleanUsageError(CliRun.of("migrate", "--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "logs",
                "--parallelism", "auto", "--target-table", "x"), "--parallelism auto applies to a DynamoDB source");
        assertCleanUsageError(CliRun.of("migrate", "--source", "mongodb://app:" + SECRET + "@127.0.0.1:1/shop", "--source-collection", "o",
                "--key-attribute", "id", "--parallelism", "auto", "--target-table", "x"), "for a MongoDB source, for example --parallelism 8");
    }

    @Test
    void verifyAndPlanCheckTheTargetNameToo() {
        assertCleanUsageError(CliRun.of("verify", "--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "logs",
                "--target-table", "a b", "--mapping", "m.yaml"), "--target-table: 'a b' is not a DynamoDB table name");
        assertCleanUsageError(CliRun.of("plan", "--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "logs",
                "--target-table", "t!", "--mapping", "m.yaml"), "--target-table: 't!' is not a DynamoDB table name");
    }

    @Test
    void picocliUsageErrorsDoNotEchoPasswords() {
        assertCleanUsageError(CliRun.of("migrate", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop"), "postgresql://app:***@127.0.0.1:1/shop");
        assertCleanUsageError(CliRun.of("migrate", "--parallelism", "mysql://app:" + SECRET + "@db/shop"), "mysql://app:***@db/shop");
        assertCleanUsageError(CliRun.of("copy", "--sorce=mongodb://app:" + SECRET + "@db/shop"), "mongodb://app:***@db/shop");
    }

    @Test
    void anUnexpectedFailureShowsItsStackTraceOnlyWithDebug() {
        Exception bug = new IllegalStateException("boom near postgresql://app:" + SECRET + "@db/shop");
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        int exit = CutoverCli.reportFailure(bug, new Object(), false, new PrintStream(quiet, true, StandardCharsets.UTF_8));
        String q = quiet.toString(StandardCharsets.UTF_8);
        assertEquals(4, exit);
        assertTrue(q.contains("unexpected failure") && q.contains("--debug"), q);
        assertFalse(q.contains("\tat ") || q.contains("cr@t"), q);

        ByteArrayOutputStream loud = new ByteArrayOutputStream();
        CutoverCli.reportFailure(bug, new Object(), true, new PrintStream(loud, true, StandardCharsets.UTF_8));
        assertTrue(loud.toString(StandardCharsets.UTF_8).contains("\tat io.cutover.cli.UsageErrorsTest"), loud.toString(StandardCharsets.UTF_8));

        ByteArrayOutputStream mistake = new ByteArrayOutputStream();
        assertEquals(2, CutoverCli.reportFailure(new CutoverException(ErrorCode.CONFIG_INVALID, "--x is wrong"), new Object(), false,
                new PrintStream(mistake, true, StandardCharsets.UTF_8)));
        assertEquals("cutover: error: --x is wrong", mistake.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void debugIsAcceptedOnEveryCommand() {
        CliRun run = CliRun.of("migrate", "--debug", "--target-table", "ab", "--source-table", "orders", "--region", "us-east-1");
        assertEquals(2, run.exitCode(), run.all());
    }

    @Test
    void serveRefusesPlainHttpBeyondLoopbackBeforeTouchingTheRegistry() {
        CliRun run = CliRun.of("serve", "--bind", "0.0.0.0", "--port", "0");
        assertCleanUsageError(run, "--bind 0.0.0.0 reaches beyond this machine");
        assertTrue(run.err().contains("--tls-cert") && run.err().contains("--insecure-http"), run.err());
        assertCleanUsageError(CliRun.of("serve", "--tls-cert", "c.pem"), "--tls-cert and --tls-key go together");
    }

    @Test
    void serveRefusesAnAppConfigWithAMissingDirectoryBeforeTouchingTheRegistry(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("serve.yaml");
        java.nio.file.Files.writeString(file, String.join("\n", "apps:", "  orders:", "    state-dir: missing",
                "    verify-state-dir: " + dir, "    source: {table: orders, endpoint-url: 'http://127.0.0.1:1'}", "    target: {table: orders-v2}", ""));
        CliRun run = CliRun.of("serve", "--port", "0", "--app-config", file.toString(), "--registry-endpoint-url", "http://127.0.0.1:1",
                "--registry-region", "us-east-1");
        assertCleanUsageError(run, "apps.orders.state-dir: " + dir.resolve("missing") + " does not exist: create it (mkdir -p");
        assertCleanUsageError(CliRun.of("serve", "--port", "0", "--app-config", dir.resolve("absent.yaml").toString()), "no such file");
        java.nio.file.Files.writeString(file, "apps: [1, 2]\n");
        assertCleanUsageError(CliRun.of("serve", "--port", "0", "--app-config", file.toString()), "apps: name at least one application");
    }

    @Test
    void registryCommandsCheckTheRegistryTableNameFirst() {
        for (String[] args : new String[][] {{"switch", "--app", "orders"}, {"rollback", "--app", "orders", "--from", "DUAL_WRITE"}, {"registry", "list"},
            {"serve", "--port", "0"}}) {
            java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
            all.addAll(java.util.List.of("--registry-table", "r!", "--registry-endpoint-url", "http://127.0.0.1:1", "--registry-region", "us-east-1"));
            assertCleanUsageError(CliRun.of(all.toArray(String[]::new)), "--registry-table: 'r!' is not a DynamoDB table name");
        }
    }

    @Test
    void archiveFlagsAreCheckedBeforeAnySourceIsRead() {
        CliRun mongo = CliRun.of("archive", "snapshot", "--source", "mongodb://app:" + SECRET + "@127.0.0.1:1/shop", "--archive", "a",
                "--segments", "0");
        assertCleanUsageError(mongo, "--source-collection is required with a mongodb:// --source");
        assertTrue(mongo.err().contains("--key-attribute is required") && mongo.err().contains("--segments must be between 1 and 1024"),
                "every problem at once: " + mongo.err());
        assertCleanUsageError(CliRun.of("archive", "snapshot", "--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop",
                "--source-table", "logs", "--archive", "a"), "--mapping FILE is required with a SQL --source");
        assertCleanUsageError(CliRun.of("archive", "snapshot", "--source-table", "orders", "--mapping", "m.yaml", "--archive", "a"),
                "--mapping is for a SQL --source");
        assertCleanUsageError(CliRun.of("archive", "sync", "--archive", "a", "--archive-retention", "7x"),
                "--archive-retention must be a whole number with a unit s, m, h or d");
        assertCleanUsageError(CliRun.of("archive", "sync", "--archive", "a", "--archive-retention", "0"), "--archive-retention must be more than 0");
        assertCleanUsageError(CliRun.of("archive", "sync", "--archive", "a", "--archive-endpoint-url", "http://127.0.0.1:1"),
                "are for an s3:// --archive");
        assertCleanUsageError(CliRun.of("archive", "snapshot", "--source-table", "orders", "--archive", "s3://Bad_Bucket/x"),
                "is not an S3 bucket name");
        assertCleanUsageError(CliRun.of("archive", "sync", "--archive", "s3://backups/x", "--archive-endpoint-url", "ftp://h"),
                "--archive-endpoint-url 'ftp://h' is not an endpoint URL");
        assertCleanUsageError(CliRun.of("registry", "list", "--registry-table", "cutover-registry", "--registry-endpoint-url", "httpx://h"),
                "--registry-endpoint-url 'httpx://h' is not an endpoint URL");
        assertCleanUsageError(CliRun.of("restore", "--target-table", "orders-r", "--to-time", "2026-12-01T10:15:30Z"),
                "--archive DIR|s3://bucket/prefix is required");
        assertCleanUsageError(CliRun.of("restore", "--native", "--archive", "a", "--target-table", "orders-r"),
                "--native restores from DynamoDB's own point-in-time recovery: drop --archive");
        assertCleanUsageError(CliRun.of("migrate", "--source", "postgresql://app:" + SECRET + "@127.0.0.1:1/shop", "--source-table", "t",
                "--mapping", "m.yaml", "--target-table", "t", "--enable-pitr"), "--enable-pitr applies to a DynamoDB source");
        // restore --into-source: flags checked before anything is opened, the password never printed
        assertCleanUsageError(CliRun.of("restore", "--archive", "a", "--target-table", "orders-r", "--to-position", "1", "--replace"),
                "--mapping, --key-attribute and --replace go with --into-source URI");
        assertCleanUsageError(CliRun.of("restore", "--archive", "a", "--target-table", "accounts_r", "--to-position", "1", "--into-source",
                "postgresql://app:" + SECRET + "@127.0.0.1:1/shop"), "needs --mapping FILE");
        assertCleanUsageError(CliRun.of("restore", "--archive", "a", "--target-table", "accounts_r", "--to-position", "1", "--into-source",
                "redis://app:" + SECRET + "@127.0.0.1:1"), "--into-source must be postgresql://..., mysql://..., mariadb://... or mongodb://...");
        assertCleanUsageError(CliRun.of("restore", "--archive", "a", "--target-table", "orders_r", "--to-position", "1", "--into-source",
                "mongodb://127.0.0.1:1/shop", "--mapping", "m.yaml"), "--mapping is for a SQL --into-source");
        assertCleanUsageError(CliRun.of("restore", "--native", "--source-table", "t", "--target-table", "orders-r", "--into-source",
                "mongodb://127.0.0.1:1/shop"), "--into-source and --replace restore from an archive");
    }
}
