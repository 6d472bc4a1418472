package io.cutover.core.copy;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One independently runnable unit of bulk work: a scan segment, a key range, an export file. It can
 * run alone with its own checkpoint, which is what lets the Spark runner hand one to each task.
 *
 * <p>Threading: one unit is read by one thread at a time; different units run in parallel, so an
 * implementation must not share mutable state between units. {@link #readPage} blocks.
 */
public interface SnapshotUnit extends ItemUnit<Map<String, AttributeValue>> {
    /** Reads the page that follows {@code after}, or the first page when {@code after} is null. */
    Page readPage(Position after);

    @Override
    default ItemPage<Map<String, AttributeValue>> readItems(Position after) {
        Page page = readPage(after);
        return new ItemPage<>(page.items(), page.next());
    }
}
