package io.cutover.core.copy;

import java.util.List;

/**
 * One page of a unit's items in whatever form its writer takes: attribute maps on the object path
 * ({@link Page}), raw DynamoDB JSON on the DynamoDB pass-through path (decision 0220).
 *
 * @param items the items
 * @param next  where to continue after this page, or null when the unit has no more items
 */
public record ItemPage<T>(List<T> items, Position next) {
    public boolean last() {
        return next == null;
    }
}
