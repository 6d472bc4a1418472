package io.cutover.dynamodb;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Everything about a source table that a copy reproduces: its description, TTL attribute and tags.
 *
 * @param warnings what could not be read (for example tags on DynamoDB Local) and so will not be copied
 */
public record SourceTable(TableDescription description, Optional<String> ttlAttribute, List<Tag> tags, List<String> warnings) {
    public SourceTable {
        tags = List.copyOf(tags);
        warnings = List.copyOf(warnings);
    }

    public String name() {
        return description.tableName();
    }

    public long itemCount() {
        return description.itemCount() == null ? 0 : description.itemCount();
    }

    public long sizeBytes() {
        return description.tableSizeBytes() == null ? 0 : description.tableSizeBytes();
    }
}
