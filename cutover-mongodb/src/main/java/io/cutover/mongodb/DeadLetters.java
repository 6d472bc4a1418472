package io.cutover.mongodb;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** What a dead letter of an unmappable document holds: its key (when the key maps) and the whole document as canonical Extended JSON. */
final class DeadLetters {
    static final String DOCUMENT_ATTRIBUTE = "mongoDocument";
    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

    private DeadLetters() {
    }

    static Map<String, AttributeValue> item(BsonDocument document, DocumentMapper mapper) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        try {
            item.putAll(mapper.key(document));
        } catch (UnmappableDocumentException keyUnmappable) {
            // the document itself below still identifies it
        }
        item.put(DOCUMENT_ATTRIBUTE, AttributeValue.fromS(document.toJson(CANONICAL)));
        return item;
    }
}
