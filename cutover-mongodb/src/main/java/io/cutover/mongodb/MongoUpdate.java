package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A DynamoDB update expression ({@code Store.Update}) translated into MongoDB update operators, for {@link MongoStore}
 * (decision 0140). Supported: {@code SET path = :value}, {@code ADD path :number}, {@code REMOVE path}, several actions
 * per clause, paths of names or {@code #placeholders} joined by dots. Refused, naming the action: arithmetic and
 * functions in SET ({@code a + :x}, {@code if_not_exists}, {@code list_append}), list indexes, ADD of a set, and
 * {@code DELETE}. Immutable.
 *
 * @param set   {@code $set} paths and values
 * @param inc   {@code $inc} paths and numbers
 * @param unset {@code $unset} paths
 */
public record MongoUpdate(BsonDocument set, BsonDocument inc, List<String> unset) {
    private static final Pattern CLAUSE = Pattern.compile("(?i)(?<![#:\\w])(SET|ADD|REMOVE|DELETE)\\s+");
    private static final Pattern NAME = Pattern.compile("#?[A-Za-z0-9_-]+");

    public MongoUpdate {
        unset = List.copyOf(unset);
    }

    /** Translates {@code expression}; {@code reserved} are attribute names the update may not touch (the key, the version). */
    public static MongoUpdate of(String expression, Map<String, String> names, Map<String, AttributeValue> values, List<String> reserved) {
        BsonDocument set = new BsonDocument();
        BsonDocument inc = new BsonDocument();
        List<String> unset = new ArrayList<>();
        Matcher m = CLAUSE.matcher(expression);
        List<int[]> starts = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        while (m.find()) {
            starts.add(new int[] {m.start(), m.end()});
            kinds.add(m.group(1).toUpperCase(java.util.Locale.ROOT));
        }
        if (starts.isEmpty() || !expression.substring(0, starts.get(0)[0]).isBlank()) {
            throw refused(expression, "it does not start with SET, ADD or REMOVE");
        }
        for (int i = 0; i < starts.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1)[0] : expression.length();
            String body = expression.substring(starts.get(i)[1], end).trim();
            for (String action : body.split(",")) {
                String a = action.trim();
                switch (kinds.get(i)) {
                    case "SET" -> {
                        String[] parts = a.split("=", 2);
                        String operand = parts.length == 2 ? parts[1].trim() : "";
                        if (parts.length != 2 || !operand.matches(":[A-Za-z0-9_]+")) {
                            throw refused(expression, "SET " + a + ": only SET path = :value is supported (no arithmetic, no functions)");
                        }
                        set.put(path(parts[0].trim(), names, reserved, expression), ItemToDocument.value(value(operand, values, expression), operand));
                    }
                    case "ADD" -> {
                        String[] parts = a.split("\\s+");
                        if (parts.length != 2 || !parts[1].startsWith(":")) {
                            throw refused(expression, "ADD " + a + ": only ADD path :number is supported");
                        }
                        AttributeValue n = value(parts[1], values, expression);
                        if (n.n() == null) {
                            throw refused(expression, "ADD " + a + ": only numbers can be added (sets have no MongoDB form)");
                        }
                        inc.put(path(parts[0], names, reserved, expression), ItemToDocument.number(n.n(), parts[1]));
                    }
                    case "REMOVE" -> unset.add(path(a, names, reserved, expression));
                    default -> throw refused(expression, "DELETE removes elements from a set, and sets have no MongoDB form");
                }
            }
        }
        return new MongoUpdate(set, inc, unset);
    }

    /** The operators for {@code updateOne}, also setting {@code extraSet} and removing {@code extraUnset}. */
    public BsonDocument operators(BsonDocument extraSet, List<String> extraUnset) {
        BsonDocument out = new BsonDocument();
        BsonDocument s = set.clone();
        extraSet.forEach(s::put);
        if (!s.isEmpty()) {
            out.put("$set", s);
        }
        if (!inc.isEmpty()) {
            out.put("$inc", inc);
        }
        BsonDocument u = new BsonDocument();
        unset.forEach(p -> u.put(p, new org.bson.BsonString("")));
        extraUnset.forEach(p -> u.put(p, new org.bson.BsonString("")));
        if (!u.isEmpty()) {
            out.put("$unset", u);
        }
        return out;
    }

    /** What the update makes of a document that did not exist ({@code base} holds its key): SET and ADD as values, REMOVE nothing. */
    public BsonDocument applyToNew(BsonDocument base) {
        BsonDocument d = base.clone();
        set.forEach((p, v) -> putPath(d, p, v));
        inc.forEach((p, v) -> putPath(d, p, v));
        return d;
    }

    private static void putPath(BsonDocument d, String path, BsonValue v) {
        String[] parts = path.split("\\.");
        BsonDocument at = d;
        for (int i = 0; i < parts.length - 1; i++) {
            BsonValue next = at.get(parts[i]);
            if (next == null || !next.isDocument()) {
                next = new BsonDocument();
                at.put(parts[i], next);
            }
            at = next.asDocument();
        }
        at.put(parts[parts.length - 1], v);
    }

    private static String path(String raw, Map<String, String> names, List<String> reserved, String expression) {
        List<String> out = new ArrayList<>();
        for (String segment : raw.trim().split("\\.")) {
            if (!NAME.matcher(segment).matches()) {
                throw refused(expression, "'" + raw.trim() + "' is not a path of names (list indexes are not supported)");
            }
            String name = segment.startsWith("#") ? names.get(segment) : segment;
            if (name == null) {
                throw refused(expression, segment + " is not in the expression's names");
            }
            if (name.isEmpty() || name.contains(".") || name.startsWith("$")) {
                throw refused(expression, "'" + name + "' cannot be a MongoDB field name in an update (a dot or a leading $)");
            }
            out.add(name);
        }
        if (reserved.contains(out.get(0))) {
            throw refused(expression, "'" + out.get(0) + "' is the key or a reserved attribute and cannot be updated");
        }
        return String.join(".", out);
    }

    private static AttributeValue value(String placeholder, Map<String, AttributeValue> values, String expression) {
        AttributeValue v = values.get(placeholder);
        if (v == null) {
            throw refused(expression, placeholder + " is not in the expression's values");
        }
        return v;
    }

    private static CutoverException refused(String expression, String why) {
        return new CutoverException(ErrorCode.UNSUPPORTED, "the update expression '" + expression + "' cannot be written to MongoDB: "
                + why + " (MongoStore supports SET path = :v, ADD path :number, REMOVE path; docs/mongodb.md)");
    }
}
