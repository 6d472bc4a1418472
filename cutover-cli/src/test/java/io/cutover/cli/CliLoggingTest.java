package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The CLI's log: warnings only by default, and Kafka Connect's config dumps stay out even when the default is raised. */
class CliLoggingTest {

    @Test
    void kafkaStaysAtWarnWhateverTheDefault() throws Exception {
        Properties p = new Properties();
        try (InputStream in = CutoverCli.class.getResourceAsStream("/simplelogger.properties")) {
            p.load(in);
        }
        assertEquals("warn", p.getProperty("org.slf4j.simpleLogger.defaultLogLevel"));
        assertEquals("warn", p.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka"));
        assertEquals("System.err", p.getProperty("org.slf4j.simpleLogger.logFile"));
    }

    @Test
    void theEmbeddedMongoServerDoesNotPrintTheStackTraceOfACommandItFails() {
        // its $sample fails now and then on large inputs; the client is told, and the split points fall back with a warning
        org.slf4j.Logger server = org.slf4j.LoggerFactory.getLogger("de.bwaldvogel.mongo.wire.MongoWireProtocolHandler");
        org.junit.jupiter.api.Assertions.assertFalse(server.isErrorEnabled());
        org.junit.jupiter.api.Assertions.assertTrue(org.slf4j.LoggerFactory.getLogger(MongoMigrateRunner.class).isWarnEnabled());
    }
}
