package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one resolution of a URI's scheme (decision 0210): every spelling the commands accepted before resolves the same way. */
class ConnectorTest {
    @TempDir
    Path dir;

    @Test
    void everySchemeTheCommandsAcceptedResolvesToItsConnector() {
        assertEquals(Connector.DYNAMODB, Connector.of("--source", null));
        for (String uri : new String[] {"mongodb://h:27017/shop", "mongodb+srv://u:p@cluster.example.net/shop"}) {
            assertEquals(Connector.MONGODB, Connector.of("--source", uri), uri);
        }
        for (String uri : new String[] {"postgresql://u@h:5432/db", "postgres://h/db", "jdbc:postgresql://h/db", "mysql://h/db",
            "mariadb://root@127.0.0.1:3306/shop", "jdbc:mariadb://h/db", "jdbc:mysql://h/db", "POSTGRESQL://h/db"}) {
            assertEquals(Connector.SQL, Connector.of("--target", uri), uri);
        }
        assertFalse(Connector.DYNAMODB.takesTheReverse());
        assertTrue(Connector.MONGODB.takesTheReverse() && Connector.SQL.takesTheReverse());
    }

    @Test
    void anUnknownSchemeIsRefusedNamingTheFlagAndShowingOnlyTheScheme() {
        CutoverException e = assertThrows(CutoverException.class, () -> Connector.of("--target", "redis://admin:hunter2@cache:6379/0"));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().startsWith("--target 'redis:...' is not a store this build knows"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("admin"), e.getMessage());
        CutoverException noScheme = assertThrows(CutoverException.class, () -> Connector.of("--source", "hunter2@cache"));
        assertTrue(noScheme.getMessage().startsWith("--source '...' is not"), noScheme.getMessage());
    }

    @Test
    void aStateDirectoryResolvesToTheConnectorWhoseMigrationWroteIt() throws Exception {
        assertEquals(Connector.DYNAMODB, Connector.ofStateDir(dir), "an empty or DynamoDB state directory");
        Path mongo = Files.createDirectories(dir.resolve("mongo"));
        Files.writeString(mongo.resolve(io.cutover.mongodb.MongoMigration.STATE_FILE), "{}");
        assertEquals(Connector.MONGODB, Connector.ofStateDir(mongo));
        Path sql = Files.createDirectories(dir.resolve("sql"));
        Files.writeString(sql.resolve(io.cutover.sql.migrate.SqlMigration.STATE_FILE), "{\"serverId\": 1}");
        assertEquals(Connector.SQL, Connector.ofStateDir(sql));
    }
}
