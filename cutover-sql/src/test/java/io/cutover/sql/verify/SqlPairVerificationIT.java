package io.cutover.sql.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.sql.MariaDbServer;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The verify of a PostgreSQL ⇄ MariaDB pair holds no table in memory (docs/decisions/0260): two tables of 200,000 narrow
 * rows each are compared in a JVM of {@value #HEAP} of heap, where holding both tables' rows (about 400,000 row maps, the
 * keyed comparison it replaced) does not fit; it finds exactly the one missing, one extra and one different row, named by
 * key in key order, and a row marked deleted on one side and absent on the other is no difference.
 */
class SqlPairVerificationIT {
    private static final int ROWS = 200_000;
    private static final String HEAP = "-Xmx32m";

    @Test
    void twoTablesOf200kRowsCompareInA32MbHeapAndTheDifferencesAreNamedByKey() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(); MariaDbServer maria = MariaDbServer.start()) {
            String pgUri = pg.createDatabase("wide");
            pg.execute("wide", "CREATE TABLE narrow (id bigint PRIMARY KEY, n integer, cutover_v_deleted boolean)",
                    "INSERT INTO narrow SELECT g, g % 1000, NULL FROM generate_series(1, " + ROWS + ") g",
                    "UPDATE narrow SET cutover_v_deleted = true WHERE id = 500");
            String mariaUri = maria.createDatabase("wide");
            maria.execute("wide", "CREATE TABLE narrow (id BIGINT PRIMARY KEY, n INT, cutover_v_deleted BOOLEAN)",
                    "INSERT INTO narrow SELECT seq, seq % 1000, NULL FROM seq_1_to_" + ROWS,
                    "DELETE FROM narrow WHERE id IN (7, 500)", "INSERT INTO narrow VALUES (" + (ROWS + 1) + ", 1, NULL)",
                    "UPDATE narrow SET n = 5 WHERE id = 99");

            long started = System.nanoTime();
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP, "-cp",
                    System.getProperty("java.class.path"), SqlPairVerifyProcess.class.getName(), pgUri, "narrow", mariaUri, "narrow",
                    "cutover_v_deleted").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), out);
            System.out.printf("SqlPairVerificationIT: %d + %d rows verified in %.1f s under %s%n", ROWS, ROWS,
                    (System.nanoTime() - started) / 1e9, HEAP);
            assertEquals(0, p.exitValue(), "the verify ran to its end under " + HEAP + ":\n" + out);
            List<String> lines = out.lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("counts source=" + (ROWS - 1) + " target=" + (ROWS - 1)
                    + " missing=1 extra=1 different=1 identical=false")), out);
            assertEquals(List.of("{id=200001}: only in the target", "{id=7}: only in the source", "{id=99}: column n: 99 <> 5"),
                    lines.stream().filter(l -> l.startsWith("difference ")).map(l -> l.substring("difference ".length())).toList(), out);
        }
    }
}
