package io.cutover.core.deadletter;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Where an item that cannot be written goes, with its reason, so that nothing is dropped silently.
 * Thread-safe; {@link #accept} returns once the letter is durable.
 */
public interface DeadLetterSink extends AutoCloseable {
    void accept(String table, Map<String, AttributeValue> item, String reason);

    long count();

    @Override
    void close();
}
