package io.cutover.mongodb;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.ReadPreference;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Collation;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.result.UpdateResult;
import io.cutover.client.BatchedVersionedStore;
import io.cutover.client.VersionedStore;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A MongoDB collection as a {@link VersionedStore}, so that it can be one site of a {@link io.cutover.client.MigratingStore}
 * and the target of the reverse applier (docs/decisions/0140-mongodb-store-and-reverse-into-mongodb.md). Items become
 * documents through {@link ItemToDocument} and documents items through {@link DocumentMapper}, with the same
 * {@link DocumentMapping} as the migration.
 *
 * <ul>
 *   <li>The version rule is one conditional write: a replace (or update) filtered on
 *       {@code {_id: k, $or: [{v: {$exists: false}}, {v: {$lt: new}}]}}, with upsert where an absent document may be
 *       written. A filter that matches nothing makes the upsert insert a second {@code _id}, which the unique {@code _id}
 *       index refuses: that duplicate-key error means "a version at least as new is stored".</li>
 *   <li>A delete through the store replaces the document with a tombstone ({@code _id}, the version, the
 *       {@code <v>_deleted: true} flag), as DynamoDB's store does; reads through {@link io.cutover.client.MigratingStore}
 *       see nothing.</li>
 *   <li>Updates: {@link MongoUpdate} (SET, ADD, REMOVE). Conditions: {@code attribute_exists}, {@code attribute_not_exists},
 *       {@code path = :v} and {@code path <> :v}, joined by AND; anything else is refused ({@link ErrorCode#UNSUPPORTED}).</li>
 *   <li>Transactions: one write (with its condition) is one conditional request; several writes would need a MongoDB
 *       multi-document transaction (a replica set), which the embedded test server does not offer, so they are refused
 *       ({@link ErrorCode#UNSUPPORTED}) rather than written non-atomically.</li>
 * </ul>
 *
 * The key is the document's {@code _id} (a unique index by nature); a mapping with another key field or a sort key is
 * refused. Reads go to the primary. Thread-safe; every call blocks until MongoDB answered.
 */
public final class MongoStore implements BatchedVersionedStore {
    private static final Pattern CLAUSE = Pattern.compile(
            "(?i)\\s*(?:(attribute_(?:not_)?exists)\\s*\\(\\s*([#A-Za-z0-9_.-]+)\\s*\\)|([#A-Za-z0-9_.-]+)\\s*(=|<>)\\s*(:[A-Za-z0-9_]+))\\s*");
    /**
     * Versions compare as strings in byte order (0070); a collection's default collation (a locale, numeric ordering) must
     * not apply to the version filter, so every versioned write asks for the simple, binary one.
     */
    private static final Collation BINARY = Collation.builder().locale("simple").build();
    private final MongoCollection<BsonDocument> collection;
    private final DocumentMapping mapping;
    private final DocumentMapper mapper;
    private final ItemToDocument toDocument;
    private final MongoErrorClassifier classifier;
    private final String name;

    public MongoStore(MongoCollection<?> collection, DocumentMapping mapping) {
        if (!mapping.keyField().equals("_id") || mapping.sortKeyField().isPresent()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "a MongoDB store for a cut-over needs --key-field _id and no"
                    + " --sort-key-field: the version rule is one conditional write, and only _id has a unique index in every"
                    + " collection (docs/decisions/0140)");
        }
        this.collection = collection.withDocumentClass(BsonDocument.class).withReadPreference(ReadPreference.primary());
        this.mapping = mapping;
        this.mapper = new DocumentMapper(mapping);
        this.toDocument = new ItemToDocument(mapping);
        this.name = "mongodb " + collection.getNamespace().getFullName();
        this.classifier = new MongoErrorClassifier(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> keyNames() {
        return mapping.keyAttributes();
    }

    @Override
    public void put(Map<String, AttributeValue> item) {
        BsonValue id = idOf(keyOf(item));
        BsonDocument d = document(item, id);
        call("write to", () -> collection.replaceOne(new BsonDocument("_id", id), d, new ReplaceOptions().upsert(true)));
    }

    @Override
    public Optional<Map<String, AttributeValue>> get(Map<String, AttributeValue> key) {
        BsonDocument d = call("read from", () -> collection.find(new BsonDocument("_id", new BsonDocument("$in",
                new BsonArray(KeyValues.candidates(keyOf(key).get(mapping.keyAttribute())))))).first());
        return d == null ? Optional.empty() : Optional.of(mapper.item(d));
    }

    @Override
    public void delete(Map<String, AttributeValue> key) {
        BsonValue id = idOf(keyOf(key));
        call("delete from", () -> collection.deleteOne(new BsonDocument("_id", id)));
    }

    @Override
    public Map<String, AttributeValue> update(Map<String, AttributeValue> key, Update update) {
        BsonValue id = idOf(keyOf(key));
        BsonDocument ops = translate(update, null).operators(new BsonDocument(), List.of());
        call("update in", () -> collection.updateOne(new BsonDocument("_id", id), ops, new UpdateOptions().upsert(true)));
        return get(key).orElseThrow(() -> new CutoverException(ErrorCode.TRANSIENT, "the document of " + describe(key) + " in " + name
                + " was deleted right after its update; try again"));
    }

    @Override
    public boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute version, Condition condition) {
        Map<String, AttributeValue> key = keyOf(item);
        Optional<String> v = version.versionOf(item);
        BsonValue id = idOf(key);
        Guard g = guard(id, v, version, condition);
        BsonDocument d = document(item, id);
        try {
            UpdateResult r = call("write to", () -> collection.replaceOne(g.filter(), d, new ReplaceOptions().upsert(g.upsert())
                    .collation(BINARY)));
            if (r.getMatchedCount() > 0 || r.getUpsertedId() != null) {
                return true;
            }
        } catch (DuplicateKey refused) {
            // the filter matched nothing and the upsert met the stored document: refused by the rule or the condition
        }
        return olderOrConditionFailed(key, v, version, condition, "put");
    }

    @Override
    public Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                               VersionAttribute version, Condition condition) {
        Map<String, AttributeValue> k = keyOf(key);
        BsonValue id = idOf(k);
        String v = newVersion.encoded();
        MongoUpdate u = translate(update, version);
        BsonDocument ops = u.operators(new BsonDocument(version.name(), new BsonString(v)), List.of(version.tombstone()));
        for (int round = 0; round < 5; round++) {
            Guard g = guard(id, Optional.of(v), version, condition);
            // updateOne, then the document read back by its new version, not findOneAndUpdate: the embedded test server
            // (mongo-java-server 1.46) leaves findAndModify out of its oplog, so change streams would never see the update.
            if (call("update in", () -> collection.updateOne(g.filter(), ops, new UpdateOptions().collation(BINARY))).getMatchedCount() > 0) {
                return Optional.of(readBack(id, k, version, v));
            }
            Optional<Map<String, AttributeValue>> stored = get(k);
            if (stored.isEmpty() && g.upsert()) {
                // No document: the update of an absent item, inserted whole; a concurrent insert makes it a duplicate key.
                BsonDocument fresh = u.applyToNew(new BsonDocument("_id", id));
                fresh.put(version.name(), new BsonString(v));
                try {
                    call("write to", () -> collection.insertOne(fresh));
                    return Optional.of(mapper.item(fresh));
                } catch (DuplicateKey raced) {
                    continue;
                }
            }
            Optional<String> storedVersion = stored.flatMap(version::versionOf);
            if (storedVersion.isPresent() && storedVersion.get().compareTo(v) >= 0) {
                return Optional.empty();
            }
            if (condition != null) {
                throw conditionFailed(k, "update");
            }
            // the stored document changed between the update and the read: try again
        }
        throw new CutoverException(ErrorCode.TRANSIENT, "the update of " + describe(k) + " in " + name + " kept racing with other"
                + " writers of the key; try again");
    }

    /**
     * The document as this update left it, read by its version; if a newer write replaced it in between, the document as
     * it is now (what the caller replicates is then newer still, which the version rule orders).
     */
    private Map<String, AttributeValue> readBack(BsonValue id, Map<String, AttributeValue> key, VersionAttribute version, String v) {
        BsonDocument mine = call("read from", () -> collection.find(new BsonDocument("_id", id).append(version.name(), new BsonString(v)))
                .first());
        if (mine != null) {
            return mapper.item(mine);
        }
        return get(key).orElseThrow(() -> new CutoverException(ErrorCode.TRANSIENT, "the document of " + describe(key) + " in " + name
                + " was removed right after its update; try again"));
    }

    @Override
    public boolean transactIfNewer(List<Write> writes, Version newVersion, VersionAttribute version) {
        List<Write> written = writes.stream().filter(w -> !(w instanceof Check)).toList();
        if (written.size() != 1 || writes.size() != 1) {
            throw new CutoverException(ErrorCode.UNSUPPORTED, name + " writes a transaction of one write only (it is one conditional"
                    + " request); " + writes.size() + " writes would need a MongoDB multi-document transaction on a replica set, which"
                    + " this store does not make (docs/decisions/0140)");
        }
        Write w = writes.get(0);
        String what = "write 1 of the transaction";
        try {
            if (w instanceof Put p) {
                return putIfNewer(version.stamp(p.item(), newVersion), version, w.condition());
            }
            if (w instanceof Delete d) {
                return putIfNewer(version.tombstoneOf(keyOf(d.key()), newVersion), version, w.condition());
            }
            Change c = (Change) w;
            return updateIfNewer(c.key(), c.update(), newVersion, version, c.condition()).isPresent();
        } catch (CutoverException e) {
            if (e.code() == ErrorCode.CONDITION_FAILED) {
                throw conditionFailed(keyOf(w.keyOrItem()), what);
            }
            throw e;
        }
    }

    @Override
    public boolean deleteUnversioned(Map<String, AttributeValue> key, VersionAttribute version) {
        BsonValue id = idOf(keyOf(key));
        return call("delete from", () -> collection.deleteOne(new BsonDocument("_id", id)
                .append(version.name(), new BsonDocument("$exists", BsonBoolean.FALSE)))).getDeletedCount() > 0;
    }

    /**
     * The changes of many keys in one read and one {@code bulkWrite} (docs/decisions/0250-batched-reverse-apply.md): the
     * stored documents read by {@code _id $in} (an index look-up everywhere, the embedded test server included); each
     * change decided on what is stored as its single call would decide it, so a change refused by the version rule (an
     * echo, a stale record) writes nothing; the rest written by one unordered {@code bulkWrite}, one operation per key: an
     * absent document inserted (a duplicate key means another writer inserted it first), a stored one replaced under the
     * version rule's filter, an unversioned one deleted by an outside delete. A write the bulk could not confirm (a
     * duplicate key, a filter that no longer matched because the document changed after the read) is decided again by its
     * single call.
     */
    @Override
    public List<ChangeResult> writeAllIfNewer(List<KeyedChange> changes, VersionAttribute version) {
        int n = changes.size();
        ChangeResult[] out = new ChangeResult[n];
        List<Map<String, AttributeValue>> keys = new ArrayList<>(java.util.Collections.nCopies(n, null));
        List<BsonValue> candidates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            KeyedChange ch = changes.get(i);
            try {
                Map<String, AttributeValue> key = keyOf(ch.image() != null ? ch.image() : ch.key());
                if (ch.image() != null) {
                    toDocument.document(ch.image()); // an item with no document form is rejected here, as by its single call
                }
                keys.set(i, key);
                candidates.addAll(KeyValues.candidates(key.get(mapping.keyAttribute())));
            } catch (CutoverException e) {
                if (e.code().retryable()) {
                    throw e;
                }
                out[i] = new ChangeResult(false, e);
            }
        }
        Map<Object, BsonDocument> stored = storedById(candidates);
        List<com.mongodb.client.model.WriteModel<BsonDocument>> ops = new ArrayList<>();
        List<Integer> opChange = new ArrayList<>();
        java.util.Set<Object> ids = new java.util.HashSet<>();
        List<Integer> singly = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (out[i] != null) {
                continue;
            }
            KeyedChange ch = changes.get(i);
            Map<String, AttributeValue> key = keys.get(i);
            BsonDocument s = null;
            for (BsonValue candidate : KeyValues.candidates(key.get(mapping.keyAttribute()))) {
                s = s != null ? s : stored.get(idKey(candidate));
            }
            BsonValue id = s != null ? s.get("_id") : ItemToDocument.value(key.get(mapping.keyAttribute()), mapping.keyAttribute());
            if (!ids.add(idKey(id))) {
                singly.add(i); // two changes of one document: at most one operation per key in the bulk
                continue;
            }
            BsonValue sv = s == null ? null : s.get(version.name());
            Optional<String> storedVersion = sv != null && sv.isString() ? Optional.of(sv.asString().getValue()) : Optional.empty();
            boolean storedUnversioned = s != null && !s.containsKey(version.name());
            if (ch.image() == null) {
                if (!storedUnversioned) {
                    out[i] = ChangeResult.REFUSED; // nothing stored, or a versioned document: deleteUnversioned deletes nothing
                    continue;
                }
                ops.add(new com.mongodb.client.model.DeleteOneModel<>(new BsonDocument("_id", id).append(version.name(),
                        new BsonDocument("$exists", BsonBoolean.FALSE))));
            } else {
                Optional<String> v = version.versionOf(ch.image());
                if (s != null && !storedUnversioned && (v.isEmpty() || storedVersion.isPresent() && storedVersion.get().compareTo(v.get()) >= 0)) {
                    out[i] = ChangeResult.REFUSED;
                    continue;
                }
                BsonDocument d = document(ch.image(), id);
                ops.add(s == null ? new com.mongodb.client.model.InsertOneModel<>(d)
                        : new com.mongodb.client.model.ReplaceOneModel<>(guard(id, v, version, null).filter(), d,
                        new ReplaceOptions().collation(BINARY)));
            }
            opChange.add(i);
        }
        if (!ops.isEmpty()) {
            bulk(ops, opChange, changes, version, out, singly);
        }
        for (int i : singly) {
            out[i] = single(changes.get(i), version);
        }
        return java.util.Arrays.asList(out);
    }

    /** The documents stored under any of {@code ids}, by {@link #idKey} of their {@code _id}. */
    private Map<Object, BsonDocument> storedById(List<BsonValue> ids) {
        Map<Object, BsonDocument> out = new java.util.HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        call("read from", () -> {
            collection.find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(ids)))).forEach(d -> out.put(idKey(d.get("_id")), d));
            return null;
        });
        return out;
    }

    /** An {@code _id} as a map key: numbers by value, as MongoDB compares them (Int32, Int64 and Double alike). */
    private static Object idKey(BsonValue id) {
        if (id.isInt32() || id.isInt64()) {
            return id.asNumber().longValue();
        }
        if (id.isDouble()) {
            double d = id.asDouble().getValue();
            return d == Math.rint(d) && Math.abs(d) < 9.0e15 ? (Object) (long) d : (Object) d;
        }
        return id;
    }

    /**
     * One unordered bulk of {@code ops}; what it confirms is written. Inserts are confirmed one by one (an error names its
     * operation); replaces and deletes only in total, so when a total falls short, each is checked: a versioned put whose
     * version the document now holds was written, anything else is decided again by its single call.
     */
    private void bulk(List<com.mongodb.client.model.WriteModel<BsonDocument>> ops, List<Integer> opChange, List<KeyedChange> changes,
                      VersionAttribute version, ChangeResult[] out, List<Integer> singly) {
        java.util.Set<Integer> failed = new java.util.HashSet<>();
        com.mongodb.bulk.BulkWriteResult result;
        try {
            result = call("write to", () -> collection.bulkWrite(ops, new com.mongodb.client.model.BulkWriteOptions().ordered(false)));
        } catch (CutoverException e) {
            if (!(e.getCause() instanceof com.mongodb.MongoBulkWriteException b) || b.getWriteConcernError() != null) {
                throw e;
            }
            b.getWriteErrors().forEach(w -> failed.add(w.getIndex()));
            result = b.getWriteResult();
        }
        int replaces = 0;
        int deletes = 0;
        for (int k = 0; k < ops.size(); k++) {
            if (!failed.contains(k)) {
                replaces += ops.get(k) instanceof com.mongodb.client.model.ReplaceOneModel ? 1 : 0;
                deletes += ops.get(k) instanceof com.mongodb.client.model.DeleteOneModel ? 1 : 0;
            }
        }
        boolean allConfirmed = result.getMatchedCount() == replaces && result.getDeletedCount() == deletes;
        List<Integer> unsure = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
            int i = opChange.get(k);
            if (failed.contains(k)) {
                singly.add(i);
            } else if (ops.get(k) instanceof com.mongodb.client.model.InsertOneModel || allConfirmed) {
                out[i] = ChangeResult.WROTE;
            } else {
                unsure.add(i);
            }
        }
        if (unsure.isEmpty()) {
            return;
        }
        List<BsonValue> ids = new ArrayList<>();
        for (int i : unsure) {
            KeyedChange ch = changes.get(i);
            ids.addAll(KeyValues.candidates(keyOf(ch.image() != null ? ch.image() : ch.key()).get(mapping.keyAttribute())));
        }
        Map<Object, BsonDocument> now = storedById(ids);
        for (int i : unsure) {
            KeyedChange ch = changes.get(i);
            Optional<String> v = ch.image() == null ? Optional.empty() : version.versionOf(ch.image());
            boolean holdsMine = v.isPresent() && KeyValues.candidates(keyOf(ch.image()).get(mapping.keyAttribute())).stream()
                    .map(c -> now.get(idKey(c))).anyMatch(d -> d != null && new BsonString(v.get()).equals(d.get(version.name())));
            if (holdsMine) {
                out[i] = ChangeResult.WROTE; // versions are unique to a write: the document holds this one
            } else {
                singly.add(i);
            }
        }
    }

    /** One change by its single call, as {@link io.cutover.client.StoreChangeWriter} writes it alone. */
    private ChangeResult single(KeyedChange ch, VersionAttribute version) {
        try {
            return (ch.image() != null ? putIfNewer(ch.image(), version) : deleteUnversioned(ch.key(), version)) ? ChangeResult.WROTE
                    : ChangeResult.REFUSED;
        } catch (CutoverException e) {
            if (e.code().retryable()) {
                throw e;
            }
            return new ChangeResult(false, e);
        }
    }

    /** The filter of a versioned write, and whether an absent document may be written (upsert). */
    private record Guard(BsonDocument filter, boolean upsert) {
    }

    /**
     * {@code {_id, $and: [version rule, condition]}}. The condition is evaluated on a live document (tombstones excluded),
     * or, when it holds for an absent item (only {@code attribute_not_exists} clauses), also matches a tombstone, and the
     * write may insert.
     */
    private Guard guard(BsonValue id, Optional<String> v, VersionAttribute version, Condition condition) {
        BsonDocument rule = v.isPresent()
                ? new BsonDocument("$or", new BsonArray(List.of(new BsonDocument(version.name(), new BsonDocument("$exists", BsonBoolean.FALSE)),
                        new BsonDocument(version.name(), new BsonDocument("$lt", new BsonString(v.get()))))))
                : new BsonDocument(version.name(), new BsonDocument("$exists", BsonBoolean.FALSE));
        List<BsonValue> all = new ArrayList<>();
        all.add(rule);
        boolean upsert = true;
        if (condition != null) {
            BsonDocument live = new BsonDocument(version.tombstone(), new BsonDocument("$ne", BsonBoolean.TRUE));
            List<BsonValue> clauses = new ArrayList<>();
            clauses.add(live);
            upsert = conditionClauses(condition, clauses);
            BsonDocument onLive = new BsonDocument("$and", new BsonArray(clauses));
            all.add(upsert ? new BsonDocument("$or", new BsonArray(List.of(onLive, new BsonDocument(version.tombstone(), BsonBoolean.TRUE))))
                    : onLive);
        }
        return new Guard(new BsonDocument("_id", id).append("$and", new BsonArray(all)), upsert);
    }

    /** Adds the condition's clauses as filters on a live document; returns whether it holds for an absent item. */
    private boolean conditionClauses(Condition condition, List<BsonValue> out) {
        boolean holdsWhenAbsent = true;
        for (String clause : condition.expression().split("(?i)\\s+AND\\s+")) {
            Matcher m = CLAUSE.matcher(clause);
            if (!m.matches()) {
                throw new CutoverException(ErrorCode.UNSUPPORTED, "the condition '" + condition.expression() + "' cannot be evaluated by "
                        + name + ": it supports attribute_exists(path), attribute_not_exists(path), path = :v and path <> :v joined by"
                        + " AND (docs/mongodb.md)");
            }
            if (m.group(1) != null) {
                String path = path(m.group(2), condition.names());
                boolean exists = !m.group(1).toLowerCase(java.util.Locale.ROOT).contains("not");
                holdsWhenAbsent &= !exists;
                if (keyNames().contains(path)) {
                    // the item exists (live) or not: a live document has its key, so not_exists never holds on one
                    out.add(exists ? new BsonDocument() : new BsonDocument("_id", new BsonDocument("$exists", BsonBoolean.FALSE)));
                } else {
                    out.add(new BsonDocument(path, new BsonDocument("$exists", BsonBoolean.valueOf(exists))));
                }
            } else {
                String path = path(m.group(3), condition.names());
                AttributeValue value = condition.values().get(m.group(5));
                if (value == null) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, m.group(5) + " is not in the condition's values");
                }
                BsonValue b = ItemToDocument.value(value, m.group(5));
                holdsWhenAbsent = false;
                out.add(m.group(4).equals("=") ? new BsonDocument(path, b)
                        : new BsonDocument(path, new BsonDocument("$exists", BsonBoolean.TRUE)).append("$nor",
                        new BsonArray(List.of(new BsonDocument(path, b)))));
            }
        }
        return holdsWhenAbsent;
    }

    private String path(String raw, Map<String, String> names) {
        List<String> out = new ArrayList<>();
        for (String s : raw.split("\\.")) {
            String n = s.startsWith("#") ? names.get(s) : s;
            if (n == null) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, s + " is not in the condition's names");
            }
            out.add(n);
        }
        String p = String.join(".", out);
        return p.equals(mapping.keyAttribute()) ? mapping.keyAttribute() : p;
    }

    private MongoUpdate translate(Update update, VersionAttribute version) {
        List<String> reserved = new ArrayList<>(keyNames());
        reserved.add("_id");
        if (version != null) {
            reserved.add(version.name());
            reserved.add(version.tombstone());
        }
        return MongoUpdate.of(update.expression(), update.names(), update.values(), reserved);
    }

    /**
     * After a refused conditional write: false if the stored version is at least as new as the write's, otherwise the
     * application's condition was false (as {@link io.cutover.client.DynamoDbStore} decides it).
     */
    private boolean olderOrConditionFailed(Map<String, AttributeValue> key, Optional<String> v, VersionAttribute version,
                                           Condition condition, String what) {
        if (condition == null) {
            return false;
        }
        Optional<String> stored = get(key).flatMap(version::versionOf);
        if (stored.isPresent() && (v.isEmpty() || stored.get().compareTo(v.get()) >= 0)) {
            return false;
        }
        throw conditionFailed(key, what);
    }

    private CutoverException conditionFailed(Map<String, AttributeValue> key, String what) {
        return new CutoverException(ErrorCode.CONDITION_FAILED, "the condition of the " + what + " of " + describe(key) + " in " + name
                + " was false: nothing was written on either site");
    }

    private String describe(Map<String, AttributeValue> key) {
        AttributeValue v = key.get(mapping.keyAttribute());
        return "[" + mapping.keyAttribute() + "=" + (v == null ? "?" : v.s() != null ? v.s() : v.n() != null ? v.n() : "(binary)") + "]";
    }

    /**
     * The {@code _id} of the item's key: the stored document's own, when one exists under another BSON type the key maps
     * from (an ObjectId or a Date behind a string key), else the natural inverse (string, Int64, binary). Numbers need no
     * look-up: MongoDB compares Int32, Int64 and Double by value.
     */
    private BsonValue idOf(Map<String, AttributeValue> key) {
        AttributeValue a = key.get(mapping.keyAttribute());
        BsonValue natural = ItemToDocument.value(a, mapping.keyAttribute());
        List<BsonValue> candidates = KeyValues.candidates(a);
        if (a.s() == null || candidates.size() < 2) {
            return natural;
        }
        BsonDocument found = call("read from", () -> collection.find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(candidates))))
                .projection(new BsonDocument("_id", BsonBoolean.TRUE)).first());
        return found == null ? natural : found.get("_id");
    }

    private BsonDocument document(Map<String, AttributeValue> item, BsonValue id) {
        BsonDocument d = toDocument.document(item);
        d.put("_id", id);
        return d;
    }

    /** A duplicate-key refusal of an upsert or insert: the stored document won. */
    private static final class DuplicateKey extends RuntimeException {
        DuplicateKey() {
            super("duplicate key", null, false, false);
        }
    }

    private <T> T call(String what, java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                throw new DuplicateKey();
            }
            throw wrap(what, e);
        } catch (CutoverException e) {
            throw e;
        } catch (RuntimeException e) {
            throw wrap(what, e);
        }
    }

    private CutoverException wrap(String what, RuntimeException e) {
        CutoverException c = classifier.classify(e);
        return new CutoverException(c.code(), "cannot " + what + " " + name + ": " + c.getMessage(), e);
    }

    /** For messages and tests. */
    @Override
    public String toString() {
        return name;
    }
}
