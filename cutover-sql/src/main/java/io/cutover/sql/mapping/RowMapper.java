package io.cutover.sql.mapping;

import io.cutover.sql.mapping.Mapping.Index;
import io.cutover.sql.mapping.Mapping.KeyAttribute;
import io.cutover.sql.mapping.Mapping.KeyType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A {@link Mapping} checked against one table: turns a row of canonical values into an item. Building
 * it refuses every mapping that cannot work on this table (unknown columns, formatters that do not fit
 * a column's type, a table key that does not hold the whole primary key, attribute name clashes).
 * Immutable and thread-safe.
 */
public final class RowMapper {
    private final Mapping mapping;
    private final TableSchema schema;
    /** column -> attribute name, for the columns that become attributes. */
    private final Map<String, String> attributes;
    /** The version columns of a table in a phased cut-over, whose tombstone rows map to tombstone items; null for none. */
    private final io.cutover.core.version.VersionAttribute versions;

    private RowMapper(RowMapper of, io.cutover.core.version.VersionAttribute versions) {
        this.mapping = of.mapping;
        this.schema = of.schema;
        this.attributes = of.attributes;
        this.versions = versions;
    }

    /**
     * This mapper for a table in a phased cut-over (docs/decisions/0130): a row whose tombstone column ({@code
     * cutover_v_deleted}) is true maps to the tombstone item the DynamoDB store keeps for a delete (the table key, the
     * version, the flag), whichever way the row is read (the store, the backfill, capture, verify).
     */
    public RowMapper withVersions(io.cutover.core.version.VersionAttribute v) {
        return new RowMapper(this, v);
    }

    RowMapper(Mapping mapping, TableSchema schema) {
        this.mapping = mapping;
        this.schema = schema;
        if (schema.primaryKey().isEmpty()) {
            throw new MappingException("table " + schema.table() + " has no primary key: Cutover needs one to copy in key ranges and to"
                    + " apply deletes; add one (ALTER TABLE " + schema.table() + " ADD PRIMARY KEY (...))");
        }
        check(mapping.partitionKey(), "mapping.partitionKey");
        mapping.sortKey().ifPresent(k -> check(k, "mapping.sortKey"));
        for (int i = 0; i < mapping.computed().size(); i++) {
            check(mapping.computed().get(i), "mapping.computed[" + i + "]");
        }
        for (int i = 0; i < mapping.indexes().size(); i++) {
            Index ix = mapping.indexes().get(i);
            String at = "mapping.indexes[" + i + "]";
            check(ix.partitionKey(), at + ".partitionKey");
            ix.sortKey().ifPresent(k -> check(k, at + ".sortKey"));
        }
        Set<String> keyColumns = tableKeyColumns();
        List<String> missing = schema.primaryKey().stream().filter(c -> !keyColumns.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new MappingException("mapping.partitionKey/sortKey do not use the primary key column(s) " + missing + " of "
                    + schema.table() + ": rows that differ only in " + missing + " would map to the same item and overwrite each other;"
                    + " add ${" + missing.get(0) + "} to the sort key template (e.g. \"" + suggestion(missing) + "\")");
        }
        for (String c : mapping.include().orElse(List.of())) {
            known(c, "mapping.attributes.include");
        }
        for (String c : mapping.exclude()) {
            known(c, "mapping.attributes.exclude");
        }
        for (String c : mapping.rename().keySet()) {
            known(c, "mapping.attributes.rename");
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String c : schema.columns().keySet()) {
            boolean wanted = mapping.include().map(l -> l.contains(c)).orElse(!mapping.exclude().contains(c));
            if (wanted) {
                attrs.put(c, mapping.rename().getOrDefault(c, c));
            }
        }
        Map<String, String> byName = new HashMap<>();
        for (Map.Entry<String, String> e : attrs.entrySet()) {
            String before = byName.put(e.getValue(), e.getKey());
            if (before != null) {
                throw new MappingException("mapping.attributes.rename: columns " + before + " and " + e.getKey() + " both become attribute "
                        + e.getValue() + "; rename one of them");
            }
        }
        List<KeyAttribute> generated = new ArrayList<>(mapping.keyAttributes());
        generated.addAll(mapping.computed());
        for (KeyAttribute k : generated) {
            if (byName.containsKey(k.attribute())) {
                throw new MappingException("the attribute " + k.attribute() + " is both a key/computed attribute and column "
                        + byName.get(k.attribute()) + "; rename the column (mapping.attributes.rename) or the key attribute");
            }
        }
        this.attributes = java.util.Collections.unmodifiableMap(attrs);
        this.versions = null;
    }

    private static String suggestion(List<String> missing) {
        StringBuilder b = new StringBuilder();
        for (String m : missing) {
            if (b.length() > 0) {
                b.append('#');
            }
            b.append("${").append(m).append('}');
        }
        return b.toString();
    }

    private void check(KeyAttribute k, String at) {
        for (String c : k.template().columns()) {
            known(c, at + ".template");
            ColumnKind kind = schema.kind(c);
            for (String f : k.template().formatsOf(c)) {
                String why = KeyTemplate.incompatibility(kind, f);
                if (why != null) {
                    throw new MappingException(at + ".template \"" + k.template().text() + "\": ${" + c + (f == null ? "" : ":" + f) + "}: " + why);
                }
            }
            if (k.type() == KeyType.N && k.template().formatsOf(c).get(0) == null
                    && !(kind == ColumnKind.INTEGER || kind == ColumnKind.DECIMAL || kind == ColumnKind.FLOAT)) {
                throw new MappingException(at + ".type is N but column " + c + " is " + kind + ": use type S, or a formatter such as ${"
                        + c + ":epoch}");
            }
        }
    }

    private void known(String column, String at) {
        if (!schema.columns().containsKey(column)) {
            throw new MappingException(at + " uses column " + column + ", which table " + schema.table() + " does not have; its columns are "
                    + schema.columns().keySet());
        }
    }

    /** The version columns when this mapper reads a table in a phased cut-over ({@link #withVersions}). */
    public java.util.Optional<io.cutover.core.version.VersionAttribute> versions() {
        return java.util.Optional.ofNullable(versions);
    }

    public Mapping mapping() {
        return mapping;
    }

    public TableSchema schema() {
        return schema;
    }

    /** The columns the table's own key (partition and sort key) is built from. */
    public Set<String> tableKeyColumns() {
        Set<String> out = new LinkedHashSet<>(mapping.partitionKey().template().columns());
        mapping.sortKey().ifPresent(k -> out.addAll(k.template().columns()));
        return out;
    }

    /** The columns any key, index key or computed attribute is built from. */
    public Set<String> derivedColumns() {
        Set<String> out = new LinkedHashSet<>();
        for (KeyAttribute k : mapping.keyAttributes()) {
            out.addAll(k.template().columns());
        }
        for (KeyAttribute k : mapping.computed()) {
            out.addAll(k.template().columns());
        }
        return out;
    }

    /** The table's key attribute names: partition key, then sort key. */
    public List<String> keyAttributeNames() {
        List<String> out = new ArrayList<>();
        out.add(mapping.partitionKey().attribute());
        mapping.sortKey().ifPresent(k -> out.add(k.attribute()));
        return out;
    }

    /** column -> attribute name for the columns that become attributes. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /**
     * The primary key values of the row an item key came from, read back from the key templates, or
     * null when the key does not match them. Needs {@link #canReadBackPrimaryKey()}.
     */
    public Map<String, Object> primaryKeyOf(Map<String, AttributeValue> key) {
        Map<String, String> texts = new LinkedHashMap<>();
        List<KeyAttribute> keys = new ArrayList<>();
        mapping.sortKey().ifPresent(keys::add);
        keys.add(mapping.partitionKey());
        for (KeyAttribute k : keys) {
            AttributeValue v = key.get(k.attribute());
            if (v == null) {
                return null;
            }
            String text = v.s() != null ? v.s() : v.n();
            k.template().parseBack(text).forEach(texts::putIfAbsent);
        }
        Map<String, Object> pk = new LinkedHashMap<>();
        for (String c : schema.primaryKey()) {
            String t = texts.get(c);
            if (t == null) {
                return null;
            }
            try {
                pk.put(c, SqlValues.canonical(t, schema.kind(c)));
            } catch (RuntimeException e) {
                return null;
            }
        }
        return pk;
    }

    /** True when every primary key column appears in the table key with a reversible formatter. */
    public boolean canReadBackPrimaryKey() {
        Set<String> cols = new LinkedHashSet<>(mapping.partitionKey().template().reversibleColumns());
        mapping.sortKey().ifPresent(k -> cols.addAll(k.template().reversibleColumns()));
        return cols.containsAll(schema.primaryKey());
    }

    /** The table key of a row (needs only {@link #tableKeyColumns()}). */
    public Map<String, AttributeValue> key(Map<String, Object> row) {
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        put(key, mapping.partitionKey(), row, true);
        mapping.sortKey().ifPresent(k -> put(key, k, row, true));
        return key;
    }

    /** The item of a row. Throws {@link UnmappableRowException} when a table key column is NULL. */
    public Map<String, AttributeValue> item(Map<String, Object> row) {
        Map<String, AttributeValue> item = key(row);
        if (versions != null && Boolean.TRUE.equals(row.get(versions.tombstone())) && row.get(versions.name()) != null) {
            item.put(versions.name(), AttributeValue.fromS(row.get(versions.name()).toString()));
            item.put(versions.tombstone(), AttributeValue.fromBool(true));
            return item;
        }
        for (Index ix : mapping.indexes()) {
            // An index key that cannot be built (a NULL column) or renders empty (DynamoDB rejects an empty key value,
            // and the whole item with it) leaves the item out of the index, as a missing index key does in DynamoDB.
            if (putIndexKey(item, ix.partitionKey(), row)) {
                ix.sortKey().ifPresent(k -> {
                    if (!putIndexKey(item, k, row)) {
                        item.remove(ix.partitionKey().attribute());
                    }
                });
            }
        }
        for (KeyAttribute k : mapping.computed()) {
            put(item, k, row, false);
        }
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            Object v = row.get(e.getKey());
            if (v == null) {
                if (mapping.keepNulls()) {
                    item.put(e.getValue(), AttributeValue.fromNul(true));
                }
            } else {
                item.put(e.getValue(), SqlValues.attribute(v, schema.kind(e.getKey()), mapping.timestamps()));
            }
        }
        return item;
    }

    private boolean putIndexKey(Map<String, AttributeValue> item, KeyAttribute k, Map<String, Object> row) {
        String text = k.template().render(row, schema);
        return text != null && !text.isEmpty() && put(item, k, row, text, false);
    }

    private boolean put(Map<String, AttributeValue> item, KeyAttribute k, Map<String, Object> row, boolean required) {
        return put(item, k, row, k.template().render(row, schema), required);
    }

    private boolean put(Map<String, AttributeValue> item, KeyAttribute k, Map<String, Object> row, String text, boolean required) {
        if (text == null) {
            if (required) {
                List<String> nulls = k.template().columns().stream().filter(c -> row.get(c) == null).toList();
                throw new UnmappableRowException("key attribute " + k.attribute() + " (" + k.template().text() + ") cannot be built: column(s) "
                        + nulls + " are NULL");
            }
            return false;
        }
        if (text.isEmpty() && required) {
            throw new UnmappableRowException("key attribute " + k.attribute() + " (" + k.template().text() + ") renders empty, which DynamoDB"
                    + " rejects in a key: give the template a literal part (e.g. \"ID#${...}\") or fix the row");
        }
        if (k.type() == KeyType.N) {
            item.put(k.attribute(), AttributeValue.fromN(new BigDecimal(text).toPlainString()));
        } else {
            item.put(k.attribute(), AttributeValue.fromS(text));
        }
        return true;
    }
}
