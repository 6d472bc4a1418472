package io.cutover.dynamodb.export;

import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A source as {@code cutover export} sees it: how it splits into units of bulk work, and the units of a split,
 * whose pages hold items already in the target's model (a DynamoDB scan segment, a SQL key range mapped through
 * the YAML mapping, a MongoDB {@code _id} range mapped document by document). The split is computed once and kept
 * in the export's state directory, so that a resumed export has the same units as the files it already wrote.
 *
 * <p>Threading: {@link #split} and {@link #units} are called once, by the thread that runs the export; the units are
 * then read as {@link SnapshotUnit}'s contract says (one thread per unit at a time). {@link #close} is called last.
 */
public interface ExportSource extends AutoCloseable {
    /** The source for messages and results, credentials masked: {@code orders}, {@code integration_logs at postgresql://***@h/db}. */
    String name();

    /** Fails with a clear error (exit 3) when the source cannot be read: a missing table, a mapping that does not fit it. */
    void check();

    /** Items in the source, as far as it knows cheaply (for progress); 0 when unknown. */
    long estimatedItems();

    /** The split into about {@code units} units, as text to keep in the state directory (each source reads its own back). */
    List<String> split(int units);

    /**
     * The units of {@code split}, ids safe as file names. A row or document the mapping cannot turn into an item goes to
     * {@code deadLettersFor.apply(unitId)} with its reason, so that the export counts it per unit.
     */
    List<SnapshotUnit> units(List<String> split, Function<String, DeadLetterSink> deadLettersFor);

    /** The summary's {@code tableArn} and {@code tableId}: a DynamoDB table's own; empty for a source that has none. */
    default Optional<String> tableArn() {
        return Optional.empty();
    }

    default Optional<String> tableId() {
        return Optional.empty();
    }

    @Override
    void close();
}
