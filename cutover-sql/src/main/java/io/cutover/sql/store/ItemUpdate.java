package io.cutover.sql.store;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A DynamoDB update expression applied to an item in memory, for stores that have no such language (the SQL store
 * reads the row under its lock, applies this, and writes the row back in the same transaction). Supports {@code SET a =
 * :v}, {@code ADD n :k} (numbers and sets) and {@code REMOVE a} on top-level attributes, with {@code #name}
 * placeholders; anything else (functions, arithmetic, nested paths, {@code DELETE}) is refused with
 * {@link ErrorCode#UNSUPPORTED} naming it. Immutable.
 */
public final class ItemUpdate {
    private static final Pattern CLAUSE = Pattern.compile("(?i)(?<![#:\\w])(SET|ADD|REMOVE|DELETE)\\s+");
    private static final Pattern NAME = Pattern.compile("#?[A-Za-z0-9_.-]+");

    private record Action(String verb, String attribute, AttributeValue value) {
    }

    private final List<Action> actions;

    private ItemUpdate(List<Action> actions) {
        this.actions = List.copyOf(actions);
    }

    /** Parses {@code expression} with its names and values. */
    public static ItemUpdate parse(String expression, Map<String, String> names, Map<String, AttributeValue> values) {
        Matcher m = CLAUSE.matcher(expression);
        List<int[]> starts = new ArrayList<>();
        List<String> verbs = new ArrayList<>();
        while (m.find()) {
            starts.add(new int[] {m.start(), m.end()});
            verbs.add(m.group(1).toUpperCase(java.util.Locale.ROOT));
        }
        if (starts.isEmpty() || !expression.substring(0, starts.get(0)[0]).isBlank()) {
            throw unsupported(expression, "it must start with SET, ADD or REMOVE");
        }
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            String verb = verbs.get(i);
            String body = expression.substring(starts.get(i)[1], i + 1 < starts.size() ? starts.get(i + 1)[0] : expression.length());
            if (verb.equals("DELETE")) {
                throw unsupported(expression, "DELETE (removing elements from a set) is not supported; use ADD or SET");
            }
            for (String part : body.split(",")) {
                actions.add(action(verb, part.trim(), names, values, expression));
            }
        }
        return new ItemUpdate(actions);
    }

    private static Action action(String verb, String part, Map<String, String> names, Map<String, AttributeValue> values, String expression) {
        String[] tokens;
        switch (verb) {
            case "SET" -> {
                tokens = part.split("\\s*=\\s*", -1);
                if (tokens.length != 2) {
                    throw unsupported(expression, "\"" + part + "\" is not \"name = :value\"");
                }
            }
            case "ADD" -> {
                tokens = part.split("\\s+");
                if (tokens.length != 2) {
                    throw unsupported(expression, "\"" + part + "\" is not \"name :value\"");
                }
            }
            default -> tokens = new String[] {part};
        }
        String attribute = name(tokens[0].trim(), names, expression);
        AttributeValue value = null;
        if (tokens.length == 2) {
            String ref = tokens[1].trim();
            if (!ref.startsWith(":") || !values.containsKey(ref)) {
                throw unsupported(expression, "\"" + ref + "\" is not a value placeholder given with the update (only :value, no functions"
                        + " or arithmetic)");
            }
            value = values.get(ref);
        }
        return new Action(verb, attribute, value);
    }

    private static String name(String token, Map<String, String> names, String expression) {
        if (!NAME.matcher(token).matches() || token.contains(".")) {
            throw unsupported(expression, "\"" + token + "\" is not a top-level attribute name");
        }
        if (token.startsWith("#")) {
            String n = names.get(token);
            if (n == null) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "the update expression uses " + token + ", which its names do not define");
            }
            return n;
        }
        return token;
    }

    /** {@code item} with the update applied (a copy). */
    public Map<String, AttributeValue> applyTo(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> out = new HashMap<>(item);
        for (Action a : actions) {
            switch (a.verb()) {
                case "SET" -> out.put(a.attribute(), a.value());
                case "REMOVE" -> out.remove(a.attribute());
                default -> out.put(a.attribute(), add(out.get(a.attribute()), a.value(), a.attribute()));
            }
        }
        return out;
    }

    /** The attributes the update writes or removes. */
    public Set<String> attributes() {
        Set<String> out = new LinkedHashSet<>();
        actions.forEach(a -> out.add(a.attribute()));
        return out;
    }

    private static AttributeValue add(AttributeValue current, AttributeValue delta, String attribute) {
        if (delta.n() != null) {
            if (current == null) {
                return delta;
            }
            if (current.n() == null) {
                throw new CutoverException(ErrorCode.REJECTED, "ADD " + attribute + ": the stored value is not a number");
            }
            return AttributeValue.fromN(new BigDecimal(current.n()).add(new BigDecimal(delta.n())).toPlainString());
        }
        if (delta.hasSs()) {
            Set<String> s = new LinkedHashSet<>(current == null ? List.of() : current.ss());
            s.addAll(delta.ss());
            return AttributeValue.fromSs(new ArrayList<>(s));
        }
        if (delta.hasNs()) {
            Set<String> s = new LinkedHashSet<>(current == null ? List.of() : current.ns());
            s.addAll(delta.ns());
            return AttributeValue.fromNs(new ArrayList<>(s));
        }
        throw new CutoverException(ErrorCode.REJECTED, "ADD " + attribute + " takes a number or a set");
    }

    private static CutoverException unsupported(String expression, String why) {
        return new CutoverException(ErrorCode.UNSUPPORTED, "the update expression \"" + expression + "\" cannot be applied to a SQL row: "
                + why + " (supported: SET a = :v, ADD n :k, REMOVE a)");
    }
}
