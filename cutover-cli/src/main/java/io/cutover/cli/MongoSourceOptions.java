package io.cutover.cli;

import io.cutover.mongodb.DateFormat;
import io.cutover.mongodb.DocumentMapping;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The flags of a MongoDB endpoint ({@code --source mongodb://...}, or {@code --target mongodb://...} for the reverse
 * direction): the collection and how documents become items (and items documents).
 */
public final class MongoSourceOptions {
    @Option(names = {"--source-collection", "--collection", "--target-collection"}, paramLabel = "NAME",
            description = {"The MongoDB collection of the mongodb:// endpoint: the --source's, or the --target's (--into) for the reverse"
                    + " direction of a cut-over. One flag with three names: a command has at most one MongoDB side."})
    String collection;

    @Option(names = "--key-attribute", paramLabel = "NAME", description = "Item attribute that holds the partition key (MongoDB source), for example dataId.")
    String keyAttribute;

    @Option(names = "--key-field", paramLabel = "FIELD", defaultValue = "_id", description = "Document field that gives the partition key (MongoDB source; default: ${DEFAULT-VALUE}).")
    String keyField;

    @Option(names = "--sort-key-field", paramLabel = "FIELD", description = "Document field that gives the sort key (MongoDB source; default: none).")
    String sortKeyField;

    @Option(names = "--sort-key-attribute", paramLabel = "NAME", description = "Item attribute for the sort key (default: the field's name).")
    String sortKeyAttribute;

    @Option(names = "--dates", paramLabel = "iso|epoch", defaultValue = "iso", description = "BSON Date and Timestamp as ISO-8601 strings or epoch milliseconds (default: ${DEFAULT-VALUE}).")
    String dates;

    DocumentMapping mapping() {
        if (keyAttribute == null) {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID,
                    "--key-attribute is required with a mongodb:// --source or --target: the item attribute that holds the key, for example --key-attribute dataId");
        }
        return new DocumentMapping(keyField, keyAttribute, Optional.ofNullable(sortKeyField), Optional.ofNullable(sortKeyAttribute),
                DateFormat.parse(dates));
    }
}
