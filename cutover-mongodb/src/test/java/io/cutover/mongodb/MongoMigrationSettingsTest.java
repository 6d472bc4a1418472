package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbEndpoint;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MongoMigrationSettingsTest {
    private static final MongoSourceUri URI_ = MongoSourceUri.parse("mongodb://u:p@h/shop");
    private static final DynamoDbEndpoint TARGET = DynamoDbEndpoint.local("target", URI.create("http://localhost:8000"));

    private static MongoMigrationSettings settings(DocumentMapping m, MongoMigrationSettings.Mode mode, CutFilter cut, String collection,
                                                   String table, Integer segments, int parallelism) {
        return new MongoMigrationSettings(URI_, collection, m, TARGET, table, Path.of("s"), mode, cut, segments, parallelism, 4, 0, 1000);
    }

    @Test
    void everyProblemIsReportedTogetherNamingItsFlag() {
        CutoverException e = assertThrows(CutoverException.class, () -> settings(DocumentMapping.byId("dataId"),
                MongoMigrationSettings.Mode.CHANGE_STREAM, null, " ", null, 0, 0));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        for (String flag : new String[] {"--source-collection", "--target-table", "--segments", "--parallelism"}) {
            assertTrue(e.getMessage().contains(flag), e.getMessage());
        }
    }

    @Test
    void changeStreamsNeedTheIdAsKeyBecauseDeletesCarryOnlyTheId() {
        DocumentMapping sorted = new DocumentMapping("_id", "pk", Optional.of("at"), Optional.empty(), DateFormat.ISO);
        CutoverException e = assertThrows(CutoverException.class,
                () -> settings(sorted, MongoMigrationSettings.Mode.CHANGE_STREAM, null, "c", "t", null, 1));
        assertTrue(e.getMessage().contains("--mode mirror"), e.getMessage());
        assertEquals(MongoMigrationSettings.Mode.MIRROR, settings(sorted, MongoMigrationSettings.Mode.MIRROR, null, "c", "t", null, 1).mode());
    }

    @Test
    void aCutIsForTheMirrorWay() {
        CutoverException e = assertThrows(CutoverException.class, () -> settings(DocumentMapping.byId("dataId"),
                MongoMigrationSettings.Mode.CHANGE_STREAM, CutFilter.parse("_id<=2026-11-23T10:00:00Z"), "c", "t", null, 1));
        assertTrue(e.getMessage().contains("--mode mirror"), e.getMessage());
        assertThrows(CutoverException.class, () -> MongoMigrationSettings.Mode.parse("dual"));
        assertEquals(MongoMigrationSettings.Mode.CHANGE_STREAM, MongoMigrationSettings.Mode.parse(null));
    }
}
