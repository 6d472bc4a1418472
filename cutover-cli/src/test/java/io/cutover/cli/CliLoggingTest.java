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
}
