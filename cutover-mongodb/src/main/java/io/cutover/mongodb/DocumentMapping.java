package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a MongoDB document becomes a DynamoDB item: which field gives the partition key and under
 * which attribute name, an optional sort key field, and how dates are written. Immutable and
 * validated once; every problem is reported together, naming the flag.
 *
 * @param keyField         the document field that gives the partition key (default {@code _id})
 * @param keyAttribute     the item attribute that holds it (for example {@code dataId})
 * @param sortKeyField     the document field that gives the sort key, if any
 * @param sortKeyAttribute the item attribute that holds the sort key (default: the field's name)
 * @param dates            how Date and Timestamp values are written
 */
public record DocumentMapping(String keyField, String keyAttribute, Optional<String> sortKeyField, Optional<String> sortKeyAttribute,
                              DateFormat dates) {
    public DocumentMapping {
        sortKeyField = sortKeyField == null ? Optional.empty() : sortKeyField.filter(s -> !s.isBlank());
        sortKeyAttribute = sortKeyAttribute == null ? Optional.empty() : sortKeyAttribute.filter(s -> !s.isBlank());
        List<String> problems = new ArrayList<>();
        if (keyField == null || keyField.isBlank()) {
            problems.add("--key-field must name a document field (default _id)");
        }
        if (keyAttribute == null || keyAttribute.isBlank()) {
            problems.add("--key-attribute must name the item attribute that holds the partition key, for example dataId");
        }
        if (keyField != null && keyField.contains(".") || sortKeyField.map(f -> f.contains(".")).orElse(false)) {
            problems.add("--key-field and --sort-key-field must be top-level fields (no dots)");
        }
        if (sortKeyField.isPresent() && sortKeyField.get().equals(keyField)) {
            problems.add("--sort-key-field must differ from --key-field");
        }
        if (sortKeyAttribute.isPresent() && sortKeyField.isEmpty()) {
            problems.add("--sort-key-attribute needs --sort-key-field");
        }
        if (keyAttribute != null && sortKeyField.isPresent() && keyAttribute.equals(sortKeyAttribute.orElse(sortKeyField.get()))) {
            problems.add("the sort key attribute must differ from --key-attribute");
        }
        if (dates == null) {
            dates = DateFormat.ISO;
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("; ", problems));
        }
    }

    /** {@code _id} into {@code keyAttribute}, no sort key, ISO dates. */
    public static DocumentMapping byId(String keyAttribute) {
        return new DocumentMapping("_id", keyAttribute, Optional.empty(), Optional.empty(), DateFormat.ISO);
    }

    public DocumentMapping withDates(DateFormat format) {
        return new DocumentMapping(keyField, keyAttribute, sortKeyField, sortKeyAttribute, format);
    }

    public DocumentMapping withSortKey(String field) {
        return new DocumentMapping(keyField, keyAttribute, Optional.ofNullable(field), Optional.empty(), dates);
    }

    /** The sort key attribute, when there is a sort key. */
    public Optional<String> sortAttribute() {
        return sortKeyField.map(f -> sortKeyAttribute.orElse(f));
    }

    /** The key attributes, partition key first: what the verifier compares keys by. */
    public List<String> keyAttributes() {
        List<String> out = new ArrayList<>();
        out.add(keyAttribute);
        sortAttribute().ifPresent(out::add);
        return out;
    }
}
