package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.VersionAttribute;
import org.junit.jupiter.api.Test;

class MongoReverseReplicationSettingsTest {
    @Test
    void reportsEveryProblemAtOnce() {
        CutoverException e = assertThrows(CutoverException.class, () -> new MongoReverseReplication.Settings(null, " ", null, null, null,
                null, null, true, 0));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        for (String named : new String[] {"DynamoDB endpoint", "--source-table", "--target mongodb", "--target-collection", "--key-attribute",
                "--state-dir", "--write-concurrency"}) {
            assertTrue(e.getMessage().contains(named), named + " in " + e.getMessage());
        }
    }

    @Test
    void defaultsTheVersionAttribute() {
        MongoReverseReplication.Settings s = new MongoReverseReplication.Settings(
                io.cutover.dynamodb.DynamoDbEndpoint.local("source", java.net.URI.create("http://127.0.0.1:8000")), "orders",
                MongoSourceUri.parse("mongodb://127.0.0.1/shop"), "orders", DocumentMapping.byId("id"), java.nio.file.Path.of("rev"), null,
                false, 4);
        assertEquals(VersionAttribute.DEFAULT, s.version());
    }
}
