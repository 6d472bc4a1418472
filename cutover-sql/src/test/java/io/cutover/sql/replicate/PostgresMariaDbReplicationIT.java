package io.cutover.sql.replicate;

import static io.cutover.sql.replicate.SqlPair.TABLE;
import static io.cutover.sql.replicate.SqlPair.V;
import static io.cutover.sql.replicate.SqlPair.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.control.walk.FailbackWalk;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.MigrationStatus;
import io.cutover.sql.MariaDbServer;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.store.SqlStore;
import io.cutover.sql.verify.SqlPairVerification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * PostgreSQL ⇄ MariaDB replication, both directions live in this JVM (docs/decisions/0200): the backfill and the live
 * changes reach the other engine with every type of the mapping table exact, a value the other side cannot hold exactly is
 * dead-lettered with its reason, the verify between the two sees them equal, each direction's writes come back through the
 * other's capture once and are refused as echoes (no loop), and a schema change on either side stops its direction with
 * the message that names the table and the fix.
 */
class PostgresMariaDbReplicationIT {
    @TempDir
    Path dir;

    @Test
    void bothDirectionsCarryEveryTypeExactlyRefuseEchoesAndStopAtASchemaChange() throws Exception {
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(); MariaDbServer maria = MariaDbServer.start()) {
            String pgUri = SqlPair.createPostgres(pg);
            String mariaUri = SqlPair.createMariaDb(maria);
            try (SqlStore pgStore = new SqlStore(SqlEndpoint.parse(pgUri), TABLE, SqlPair.mapping(pgUri), V);
                 SqlStore mariaStore = new SqlStore(SqlEndpoint.parse(mariaUri), TABLE, SqlPair.mapping(mariaUri), V)) {
                for (long id = 1; id <= 40; id++) { // rows from before the replication: no versions
                    pgStore.put(SqlPair.item(pgStore, id, "before " + id));
                }
                try (SqlPair.Replicator forward = new SqlPair.Replicator(pgUri, mariaStore, dir.resolve("forward"), false).start()) {
                    waitFor("the forward direction in sync", forward::drained);
                    assertEquals(List.of(), verify(pgUri, mariaUri).differences(), "the backfill: every type equal after the round trip");

                    long counter = 0;
                    for (long id = 1; id <= 20; id++) {
                        pgStore.putIfNewer(SqlPair.stamped(SqlPair.item(pgStore, id, "live " + id), ++counter, "pg-app"), V);
                    }
                    pgStore.putIfNewer(V.tombstoneOf(pgStore.keyOf(SqlPair.item(pgStore, 21, "")), new io.cutover.core.version.Version(
                            System.currentTimeMillis(), (int) ++counter, "pg-app")), V);
                    Map<String, AttributeValue> tooLong = SqlPair.stamped(SqlPair.item(pgStore, 101, "a note of thirty characters!!"),
                            ++counter, "pg-app");
                    pgStore.putIfNewer(tooLong, V);
                    Map<String, AttributeValue> negative = SqlPair.stamped(SqlPair.item(pgStore, 102, "negative"), ++counter, "pg-app");
                    negative.put("big", AttributeValue.fromN("-1"));
                    pgStore.putIfNewer(negative, V);
                    // A character MariaDB's utf8mb3 column lacks (it would store '?'), a double its FLOAT would round (decision 0260).
                    pgStore.putIfNewer(SqlPair.stamped(SqlPair.item(pgStore, 103, "smile \ud83d\ude00"), ++counter, "pg-app"), V);
                    Map<String, AttributeValue> fine = SqlPair.stamped(SqlPair.item(pgStore, 104, "too fine"), ++counter, "pg-app");
                    fine.put("ratio", AttributeValue.fromN("0.123456789"));
                    pgStore.putIfNewer(fine, V);
                    waitFor("the live changes applied", () -> forward.drained() && forward.status().get().deadLettered() == 4);

                    List<String> dead = Files.readAllLines(dir.resolve("forward").resolve("dead-letters.jsonl"));
                    assertEquals(4, dead.size(), String.join("\n", dead));
                    // applied concurrently: in either order
                    assertTrue(dead.stream().anyMatch(l -> l.contains("column note") && l.contains("29 characters, the column holds 20")),
                            String.join("\n", dead));
                    assertTrue(dead.stream().anyMatch(l -> l.contains("column big") && l.contains("out of range [0, 18446744073709551615]")),
                            String.join("\n", dead));
                    assertTrue(dead.stream().anyMatch(l -> l.contains("column note") && l.contains("(U+1F600) is not in the column's character"
                            + " set utf8mb3") && l.contains("utf8mb4")), String.join("\n", dead));
                    assertTrue(dead.stream().anyMatch(l -> l.contains("column ratio") && l.contains("it would be stored as 0.12345679")
                            && l.contains("make the column DOUBLE")), String.join("\n", dead));
                    SqlPairVerification.Result verified = verify(pgUri, mariaUri);
                    assertEquals(List.of("{id=101}: only in the source", "{id=102}: only in the source", "{id=103}: only in the source",
                            "{id=104}: only in the source"), verified.differences(),
                            "equal but for the four values MariaDB cannot hold");
                    assertTrue(mariaStore.get(mariaStore.keyOf(SqlPair.item(mariaStore, 21, ""))).map(V::isTombstone).orElse(true),
                            "the delete reached MariaDB");

                    try (SqlPair.Replicator reverse = new SqlPair.Replicator(mariaUri, pgStore, dir.resolve("reverse"), true).start()) {
                        waitFor("the reverse direction in sync", reverse::inSync);
                        for (long id = 1; id <= 10; id++) { // written on PostgreSQL: applied to MariaDB, captured there, refused back
                            pgStore.putIfNewer(SqlPair.stamped(SqlPair.item(pgStore, id, "again " + id), ++counter, "pg-app"), V);
                        }
                        for (long id = 30; id <= 32; id++) { // written on MariaDB: the way back
                            mariaStore.putIfNewer(SqlPair.stamped(SqlPair.item(mariaStore, id, "from maria " + id), ++counter, "maria-app"), V);
                        }
                        waitFor("MariaDB's writes on PostgreSQL", () -> pgStore.get(pgStore.keyOf(SqlPair.item(pgStore, 32, "")))
                                .map(i -> i.get("note").s().equals("from maria 32")).orElse(false));
                        waitFor("both drained", () -> forward.drained() && reverse.drained() && forward.status().get().refused() >= 3
                                && reverse.status().get().refused() >= 10);
                        // No loop: the captures come to rest (FailbackWalk.atRest: one whole quiet 3 s window; a loop never rests).
                        MigrationStatus[] rest = FailbackWalk.atRest(() -> forward.status().orElseThrow(), () -> reverse.status().orElseThrow(), 3000);
                        MigrationStatus f2 = rest[0];
                        MigrationStatus r2 = rest[1];
                        System.out.printf("PostgresMariaDbReplicationIT: forward captured %d, refused %d; reverse captured %d, refused %d%n",
                                f2.captured(), f2.refused(), r2.captured(), r2.refused());
                        assertEquals(3, f2.refused(), "the forward direction refused exactly MariaDB's 3 writes, come back as echoes");
                        assertEquals(10, r2.refused(), "the reverse direction refused exactly PostgreSQL's 10 writes, come back as echoes");
                        assertEquals(List.of("{id=101}: only in the source", "{id=102}: only in the source", "{id=103}: only in the source",
                            "{id=104}: only in the source"),
                                verify(pgUri, mariaUri).differences());

                        maria.execute("app", "ALTER TABLE accounts ADD COLUMN region VARCHAR(10)");
                        maria.execute("app", "UPDATE accounts SET region = 'eu' WHERE id = 1");
                        CutoverException stopped = stoppedWith(reverse);
                        assertEquals(ErrorCode.TARGET_INCOMPATIBLE, stopped.code());
                        assertTrue(stopped.getMessage().contains("app.accounts") && stopped.getMessage().contains("columns added: [region]")
                                && stopped.getMessage().contains("--restart"), stopped.getMessage());
                    }
                    pg.execute("app", "ALTER TABLE accounts DROP COLUMN note");
                    pg.execute("app", "UPDATE accounts SET amount = 1 WHERE id = 2");
                    CutoverException stopped = stoppedWith(forward);
                    assertTrue(stopped.getMessage().contains("public.accounts") && stopped.getMessage().contains("dropped: [note]"),
                            stopped.getMessage());
                }
            }
        }
    }

    private static CutoverException stoppedWith(SqlPair.Replicator r) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> r.running.get(60, TimeUnit.SECONDS));
        return assertInstanceOf(CutoverException.class, e.getCause());
    }

    private static SqlPairVerification.Result verify(String pgUri, String mariaUri) {
        return SqlPairVerification.run(SqlEndpoint.parse(pgUri), TABLE, SqlEndpoint.parse(mariaUri), TABLE, V.tombstone(),
                java.util.Optional.empty());
    }
}
