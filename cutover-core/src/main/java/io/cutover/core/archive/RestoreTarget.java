package io.cutover.core.archive;

import io.cutover.core.verify.VerifySide;
import io.cutover.core.version.VersionAttribute;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The store that {@code restore --into-source} writes the archive's state into: a SQL table or a MongoDB collection,
 * items going in through the migration's mapping read backwards (the connector's store: {@code SqlStore},
 * {@code MongoStore}) and read back through the forward mapping ({@link #side}) to verify and to find what
 * {@code --replace} deletes (docs/decisions/0180-restore-into-source.md).
 *
 * <p>Lifecycle: built (and its mapping checked) by the connector, {@link #prepare} once before the first write,
 * {@link #close} at the end. Threading: {@link #write} and {@link #delete} are called from many threads at once and
 * block on the store; everything else from one thread.
 */
public interface RestoreTarget extends AutoCloseable {
    /** "table public.accounts_restored on postgresql://db:5432/shop", never with credentials. */
    String describe();

    /** The key attributes of the items the mapping makes; a restore checks they are the archive's. */
    List<String> keyNames();

    /** The version attributes the rows keep, when the table has the version columns (a site of a phased cut-over). */
    Optional<VersionAttribute> versions();

    /** Rows or documents the store holds now (tombstone rows included), 0 when the collection does not exist yet. */
    long count();

    /** Makes the store ready to be written: creates what the store can create, checks what it cannot. */
    void prepare();

    /**
     * Writes the items as the point holds them, each over whatever the store holds for its key (no version rule: the
     * point's state wins). Returns once the store acknowledged all of them; throws a {@link io.cutover.core.CutoverException}
     * otherwise ({@code REJECTED} when an item has no form in the store, after which each item is tried on its own).
     */
    void write(List<Map<String, AttributeValue>> items);

    /** Deletes what the store holds for this key (a row, a tombstone row, a document); nothing when it holds nothing. */
    void delete(Map<String, AttributeValue> key);

    /** The store read back through the forward mapping, as the migration reads it. */
    VerifySide side();

    @Override
    void close();
}
