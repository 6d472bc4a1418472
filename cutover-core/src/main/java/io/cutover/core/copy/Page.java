package io.cutover.core.copy;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One page of a unit's items, in the target's item model.
 *
 * @param items the items, already mapped to the target
 * @param next  where to continue after this page, or null when the unit has no more items
 */
public record Page(List<Map<String, AttributeValue>> items, Position next) {
    public boolean last() {
        return next == null;
    }
}
