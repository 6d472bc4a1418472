package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The integration tests' log keeps Cutover's INFO lines and drops Kafka Connect's config dumps. */
class TestLoggingTest {

    @Test
    void kafkaConfigBlocksAreQuietAndCutoverStillTalks() {
        assertFalse(LoggerFactory.getLogger("org.apache.kafka.connect.json.JsonConverterConfig").isInfoEnabled());
        assertFalse(LoggerFactory.getLogger("org.apache.kafka.connect.runtime.WorkerConfig").isInfoEnabled());
        assertFalse(LoggerFactory.getLogger("io.debezium.embedded.EmbeddedEngine").isInfoEnabled());
        assertTrue(LoggerFactory.getLogger("org.apache.kafka.connect.json.JsonConverterConfig").isWarnEnabled());
        assertTrue(LoggerFactory.getLogger("io.cutover.sql.migrate.SqlMigration").isInfoEnabled());
    }
}
