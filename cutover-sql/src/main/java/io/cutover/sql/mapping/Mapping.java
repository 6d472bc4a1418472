package io.cutover.sql.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cutover.sql.mapping.SqlValues.TimestampStyle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How rows of one SQL table become DynamoDB items: the table's key templates, which columns become
 * attributes (and under what names), computed attributes such as a TTL, and GSIs with their own key
 * templates. Read from the {@code mapping:} section of a YAML file (docs/sql.md), validated as it is
 * read; immutable and thread-safe. {@link #bind} checks it against the source table's columns.
 */
public final class Mapping {
    /** The attribute types a key or computed attribute may have. */
    public enum KeyType {
        S, N, B
    }

    /** One key or computed attribute: its name, its template, its type. */
    public record KeyAttribute(String attribute, KeyTemplate template, KeyType type) {
    }

    /** A global secondary index: its keys and projection ("ALL", "KEYS_ONLY" or "INCLUDE" with nonKeyAttributes). */
    public record Index(String name, KeyAttribute partitionKey, Optional<KeyAttribute> sortKey, String projection,
                        List<String> nonKeyAttributes) {
        public Index {
            nonKeyAttributes = List.copyOf(nonKeyAttributes);
        }
    }

    private static final Set<String> ROOT_KEYS = Set.of("table", "partitionKey", "sortKey", "attributes", "nulls", "timestamps",
            "computed", "ttl", "indexes");
    private static final int MAX_GSIS = 20;

    private final Optional<String> table;
    private final KeyAttribute partitionKey;
    private final Optional<KeyAttribute> sortKey;
    private final Optional<List<String>> include;
    private final List<String> exclude;
    private final Map<String, String> rename;
    private final boolean keepNulls;
    private final TimestampStyle timestamps;
    private final List<KeyAttribute> computed;
    private final Optional<String> ttl;
    private final List<Index> indexes;

    private Mapping(Optional<String> table, KeyAttribute partitionKey, Optional<KeyAttribute> sortKey, Optional<List<String>> include,
                    List<String> exclude, Map<String, String> rename, boolean keepNulls, TimestampStyle timestamps,
                    List<KeyAttribute> computed, Optional<String> ttl, List<Index> indexes) {
        this.table = table;
        this.partitionKey = partitionKey;
        this.sortKey = sortKey;
        this.include = include.map(List::copyOf);
        this.exclude = List.copyOf(exclude);
        this.rename = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rename));
        this.keepNulls = keepNulls;
        this.timestamps = timestamps;
        this.computed = List.copyOf(computed);
        this.ttl = ttl;
        this.indexes = List.copyOf(indexes);
    }

    /** Reads the {@code mapping:} section of a YAML file (or the whole file when it has no such section). */
    public static Mapping load(Path file) {
        try {
            return fromYaml(Files.readString(file), "--mapping " + file);
        } catch (IOException e) {
            throw new MappingException("cannot read --mapping " + file + ": " + e.getMessage());
        }
    }

    /** As {@link #load}, from YAML text; {@code file} names it in messages. */
    public static Mapping fromYaml(String yaml, String file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new MappingException("cannot read " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MappingException(file + " is empty or not a YAML map: start it with \"mapping:\" (see docs/sql.md)");
        }
        return parse(root.has("mapping") ? root.get("mapping") : root, "mapping");
    }

    public static Mapping parse(JsonNode m, String at) {
        if (m == null || !m.isObject()) {
            throw new MappingException(at + " must be a map with at least partitionKey");
        }
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ROOT_KEYS.contains(k)) {
                throw new MappingException(at + "." + k + " is not a mapping key: use one of " + new java.util.TreeSet<>(ROOT_KEYS));
            }
        }
        KeyAttribute pk = keyAttribute(m.get("partitionKey"), at + ".partitionKey", true);
        Optional<KeyAttribute> sk = m.has("sortKey") ? Optional.of(keyAttribute(m.get("sortKey"), at + ".sortKey", true)) : Optional.empty();
        Optional<List<String>> include = Optional.empty();
        List<String> exclude = List.of();
        Map<String, String> rename = new LinkedHashMap<>();
        JsonNode attrs = m.get("attributes");
        if (attrs != null) {
            for (Iterator<String> it = attrs.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("include", "exclude", "rename").contains(k)) {
                    throw new MappingException(at + ".attributes." + k + " is not known: use include, exclude or rename");
                }
            }
            if (attrs.has("include")) {
                include = Optional.of(strings(attrs.get("include"), at + ".attributes.include"));
            }
            if (attrs.has("exclude")) {
                exclude = strings(attrs.get("exclude"), at + ".attributes.exclude");
            }
            if (include.isPresent() && !exclude.isEmpty()) {
                throw new MappingException(at + ".attributes has both include and exclude: keep one");
            }
            JsonNode r = attrs.get("rename");
            if (r != null) {
                if (!r.isObject()) {
                    throw new MappingException(at + ".attributes.rename must map column names to attribute names, e.g. {log_id: LogId}");
                }
                r.fields().forEachRemaining(e -> rename.put(e.getKey(), e.getValue().asText()));
            }
        }
        String nulls = text(m, "nulls", at).orElse("keep").toLowerCase(Locale.ROOT);
        if (!nulls.equals("keep") && !nulls.equals("drop")) {
            throw new MappingException(at + ".nulls is \"" + nulls + "\": write keep (NULL becomes a NULL attribute) or drop (no attribute)");
        }
        String ts = text(m, "timestamps", at).orElse("iso").toLowerCase(Locale.ROOT);
        TimestampStyle style = switch (ts) {
            case "iso" -> TimestampStyle.ISO;
            case "epoch" -> TimestampStyle.EPOCH;
            case "epoch-ms" -> TimestampStyle.EPOCH_MS;
            default -> throw new MappingException(at + ".timestamps is \"" + ts + "\": write iso, epoch or epoch-ms");
        };
        List<KeyAttribute> computed = new ArrayList<>();
        JsonNode c = m.get("computed");
        if (c != null) {
            if (!c.isArray()) {
                throw new MappingException(at + ".computed must be a list of {attribute, template, type}");
            }
            for (int i = 0; i < c.size(); i++) {
                computed.add(keyAttribute(c.get(i), at + ".computed[" + i + "]", false));
            }
        }
        Optional<String> ttl = text(m, "ttl", at);
        List<Index> indexes = new ArrayList<>();
        JsonNode ix = m.get("indexes");
        if (ix != null) {
            if (!ix.isArray()) {
                throw new MappingException(at + ".indexes must be a list of {name, partitionKey, sortKey, projection}");
            }
            for (int i = 0; i < ix.size(); i++) {
                indexes.add(index(ix.get(i), at + ".indexes[" + i + "]"));
            }
        }
        Mapping mapping = new Mapping(text(m, "table", at), pk, sk, include, exclude, rename, nulls.equals("keep"), style, computed, ttl,
                indexes);
        mapping.checkNames(at);
        return mapping;
    }

    private void checkNames(String at) {
        Set<String> names = new HashSet<>();
        List<KeyAttribute> all = new ArrayList<>(keyAttributes());
        all.addAll(computed);
        for (KeyAttribute k : all) {
            if (!names.add(k.attribute())) {
                throw new MappingException(at + ": the attribute " + k.attribute() + " is defined twice (keys, index keys and computed"
                        + " attributes need distinct names)");
            }
        }
        if (indexes.size() > MAX_GSIS) {
            throw new MappingException(at + ".indexes has " + indexes.size() + " indexes: DynamoDB allows " + MAX_GSIS + " per table");
        }
        Set<String> indexNames = new HashSet<>();
        for (Index i : indexes) {
            if (!indexNames.add(i.name())) {
                throw new MappingException(at + ".indexes: two indexes are named " + i.name() + "; give each its own name");
            }
        }
        if (ttl.isPresent()) {
            Optional<KeyAttribute> t = computed.stream().filter(k -> k.attribute().equals(ttl.get())).findFirst();
            if (t.isEmpty() || t.get().type() != KeyType.N) {
                throw new MappingException(at + ".ttl names " + ttl.get() + ", which must be a computed attribute of type N (epoch seconds),"
                        + " e.g. computed: [{attribute: " + ttl.get() + ", template: \"${log_timestamp:epoch+90d}\", type: N}]");
            }
        }
    }

    private static Index index(JsonNode n, String at) {
        if (n == null || !n.isObject()) {
            throw new MappingException(at + " must be a map with name and partitionKey");
        }
        String name = text(n, "name", at).orElseThrow(() -> new MappingException(at + ".name is missing: give the index a name, e.g. GSI1"));
        KeyAttribute pk = keyAttribute(n.get("partitionKey"), at + ".partitionKey", true);
        Optional<KeyAttribute> sk = n.has("sortKey") ? Optional.of(keyAttribute(n.get("sortKey"), at + ".sortKey", true)) : Optional.empty();
        String projection = text(n, "projection", at).orElse("ALL").toUpperCase(Locale.ROOT);
        if (!Set.of("ALL", "KEYS_ONLY", "INCLUDE").contains(projection)) {
            throw new MappingException(at + ".projection is \"" + projection + "\": write ALL, KEYS_ONLY or INCLUDE (with nonKeyAttributes)");
        }
        List<String> nonKey = n.has("nonKeyAttributes") ? strings(n.get("nonKeyAttributes"), at + ".nonKeyAttributes") : List.of();
        if (projection.equals("INCLUDE") && nonKey.isEmpty()) {
            throw new MappingException(at + ".projection INCLUDE needs nonKeyAttributes: [...]");
        }
        return new Index(name, pk, sk, projection, nonKey);
    }

    private static KeyAttribute keyAttribute(JsonNode n, String at, boolean key) {
        if (n == null || !n.isObject()) {
            throw new MappingException(at + " is missing: write {attribute: PK, template: \"${column}\"}");
        }
        String attribute = text(n, "attribute", at).orElseThrow(() -> new MappingException(at + ".attribute is missing: name the attribute, e.g. PK"));
        KeyTemplate template = KeyTemplate.parse(text(n, "template", at).orElse(null), at + ".template");
        String type = text(n, "type", at).orElse("S").toUpperCase(Locale.ROOT);
        KeyType t;
        try {
            t = KeyType.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw new MappingException(at + ".type is \"" + type + "\": write S, N or B");
        }
        if (t == KeyType.N && !template.isSinglePlaceholder()) {
            throw new MappingException(at + ".type is N but the template \"" + template.text() + "\" has text around its placeholder: use type S,"
                    + " or a template that is one number such as \"${log_timestamp:epoch}\"");
        }
        if (t == KeyType.B && key) {
            throw new MappingException(at + ".type B is not supported for template keys: use S");
        }
        return new KeyAttribute(attribute, template, t);
    }

    private static Optional<String> text(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            throw new MappingException(at + "." + field + " must be a single value");
        }
        return Optional.of(v.asText());
    }

    private static List<String> strings(JsonNode n, String at) {
        if (!n.isArray()) {
            throw new MappingException(at + " must be a list of column names, e.g. [log_id, payload]");
        }
        List<String> out = new ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** The table's own key attributes, then each index's. */
    public List<KeyAttribute> keyAttributes() {
        List<KeyAttribute> out = new ArrayList<>();
        out.add(partitionKey);
        sortKey.ifPresent(out::add);
        for (Index i : indexes) {
            out.add(i.partitionKey());
            i.sortKey().ifPresent(out::add);
        }
        return out;
    }

    /** Checks the mapping against the table and returns the mapper for its rows. */
    public RowMapper bind(TableSchema schema) {
        return new RowMapper(this, schema);
    }

    public Optional<String> table() {
        return table;
    }

    public KeyAttribute partitionKey() {
        return partitionKey;
    }

    public Optional<KeyAttribute> sortKey() {
        return sortKey;
    }

    public Optional<List<String>> include() {
        return include;
    }

    public List<String> exclude() {
        return exclude;
    }

    public Map<String, String> rename() {
        return rename;
    }

    public boolean keepNulls() {
        return keepNulls;
    }

    public TimestampStyle timestamps() {
        return timestamps;
    }

    public List<KeyAttribute> computed() {
        return computed;
    }

    public Optional<String> ttl() {
        return ttl;
    }

    public List<Index> indexes() {
        return indexes;
    }
}
