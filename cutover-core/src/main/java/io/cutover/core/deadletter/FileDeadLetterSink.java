package io.cutover.core.deadletter;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.DynamoDbJson;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Dead letters as JSON lines, one file per run: {@code {"time":..,"table":..,"reason":..,"item":{DynamoDB JSON}}}.
 * The item is kept whole and exactly, so it can be fixed and written again by hand.
 */
public final class FileDeadLetterSink implements DeadLetterSink {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Path file;
    private final AtomicLong count = new AtomicLong();

    public FileDeadLetterSink(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void accept(String table, Map<String, AttributeValue> item, String reason) {
        StringWriter line = new StringWriter();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(line)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("table", table);
            g.writeStringField("reason", reason);
            g.writeFieldName("item");
            DynamoDbJson.writeItem(g, item);
            g.writeEndObject();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.INTERNAL, "cannot encode a dead letter: " + e.getMessage(), e);
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot write the dead-letter file " + file + ": " + e.getMessage(), e);
        }
        count.incrementAndGet();
    }

    @Override
    public long count() {
        return count.get();
    }

    @Override
    public void close() {
        // Every letter is synced as it is written.
    }
}
