package io.cutover.core.result;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One key that differs between source and target.
 *
 * @param kind       {@code missing} (in the source, not the target), {@code extra} (in the target only), or {@code different}
 * @param key        the key as DynamoDB JSON, e.g. {@code {"pk":{"S":"a"}}}
 * @param attributes for {@code different}: the attribute paths that differ (empty when not looked up)
 * @param recheck    null without {@code --recheck}; otherwise {@code persistent}
 */
public record KeyDifference(String kind, JsonNode key, List<String> attributes, String recheck) {
    public KeyDifference {
        attributes = List.copyOf(attributes);
    }
}
