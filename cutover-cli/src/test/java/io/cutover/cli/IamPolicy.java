package io.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One of docs/iam/*.json, checked for the shape the docs promise (only Allow statements with a Sid, explicit DynamoDB
 * actions, no wildcard action, resources that are tables or their streams, and no condition but
 * {@code dynamodb:LeadingKeys}), with its placeholders replaced by the test's names, and a small evaluator of the subset
 * of IAM it uses: an action and resource are allowed when an Allow statement names the action, one of its resources
 * matches ({@code *} and {@code ?} as in IAM), and its LeadingKeys condition, if any, holds for every leading key
 * ({@code ForAllValues}: true for none, as in IAM). Anything outside that subset fails the load instead of being
 * misjudged.
 */
final class IamPolicy {
    static final Map<String, String> PLACEHOLDERS = Map.of("REGION", IamRecorder.REGION, "ACCOUNT", IamRecorder.ACCOUNT, "SOURCE_TABLE", "shop",
            "TARGET_TABLE", "shop-v2", "APP_ID", "shop");
    private static final Pattern ACTION = Pattern.compile("dynamodb:[A-Z][A-Za-z]+");
    private static final Pattern RESOURCE = Pattern.compile("arn:aws:dynamodb:REGION:ACCOUNT:table/[A-Za-z0-9_.-]+(/stream/\\*)?");

    private record Statement(Set<String> actions, List<String> resources, String conditionOperator, List<String> leadingKeys) {
    }

    private final List<Statement> statements;

    private IamPolicy(List<Statement> statements) {
        this.statements = statements;
    }

    static IamPolicy load(Path file) throws IOException {
        JsonNode raw = new ObjectMapper().readTree(Files.readString(file));
        List<String> problems = new ArrayList<>();
        if (!"2012-10-17".equals(raw.path("Version").asText())) {
            problems.add("Version must be 2012-10-17");
        }
        JsonNode list = raw.path("Statement");
        if (!list.isArray() || list.isEmpty()) {
            problems.add("Statement must be a non-empty list");
        }
        Set<String> known = Set.of("Sid", "Effect", "Action", "Resource", "Condition");
        Set<String> sids = new HashSet<>();
        List<Statement> out = new ArrayList<>();
        for (JsonNode st : list) {
            String sid = st.path("Sid").asText();
            st.fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) {
                    problems.add(sid + ": unexpected " + f + " (NotAction, NotResource, Principal are not used here)");
                }
            });
            if (sid.isBlank() || !sids.add(sid)) {
                problems.add("every statement needs its own Sid: '" + sid + "'");
            }
            if (!"Allow".equals(st.path("Effect").asText())) {
                problems.add(sid + ": only Allow statements");
            }
            Set<String> actions = new TreeSet<>(strings(st.path("Action")));
            actions.stream().filter(a -> !ACTION.matcher(a).matches()).forEach(a -> problems.add(sid + ": action '" + a + "' is not one explicit DynamoDB action"));
            if (actions.isEmpty()) {
                problems.add(sid + ": no Action");
            }
            List<String> resources = strings(st.path("Resource"));
            resources.stream().filter(r -> !RESOURCE.matcher(r).matches())
                    .forEach(r -> problems.add(sid + ": resource '" + r + "' is not arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/stream/*]"));
            if (resources.isEmpty()) {
                problems.add(sid + ": no Resource");
            }
            String operator = null;
            List<String> leading = List.of();
            JsonNode condition = st.get("Condition");
            if (condition != null) {
                if (condition.size() != 1) {
                    problems.add(sid + ": one condition operator at most");
                }
                var it = condition.fields();
                var entry = it.next();
                operator = entry.getKey();
                if (!operator.equals("ForAllValues:StringEquals") && !operator.equals("ForAllValues:StringLike")) {
                    problems.add(sid + ": condition " + operator + " is not evaluated here");
                }
                if (entry.getValue().size() != 1 || !entry.getValue().has("dynamodb:LeadingKeys")) {
                    problems.add(sid + ": the only condition key used is dynamodb:LeadingKeys");
                }
                leading = strings(entry.getValue().path("dynamodb:LeadingKeys"));
            }
            out.add(new Statement(actions, resources.stream().map(IamPolicy::substitute).toList(), operator,
                    leading.stream().map(IamPolicy::substitute).toList()));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(file + ":\n  " + String.join("\n  ", problems));
        }
        return new IamPolicy(out);
    }

    private static String substitute(String s) {
        String out = s;
        for (Map.Entry<String, String> e : PLACEHOLDERS.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    Set<String> actions() {
        Set<String> all = new TreeSet<>();
        statements.forEach(s -> all.addAll(s.actions()));
        return all;
    }

    boolean allows(String action, String resource, Set<String> leadingKeys) {
        for (Statement s : statements) {
            if (!s.actions().contains(action) || s.resources().stream().noneMatch(r -> glob(r, resource))) {
                continue;
            }
            if (s.conditionOperator() == null) {
                return true;
            }
            boolean like = s.conditionOperator().endsWith("StringLike");
            if (leadingKeys.stream().allMatch(k -> s.leadingKeys().stream().anyMatch(v -> like ? glob(v, k) : v.equals(k)))) {
                return true;
            }
        }
        return false;
    }

    /** IAM's wildcards: {@code *} any run of characters (slashes too), {@code ?} one character. */
    static boolean glob(String pattern, String value) {
        StringBuilder re = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            re.append(ch == '*' ? ".*" : ch == '?' ? "." : Pattern.quote(String.valueOf(ch)));
        }
        return value.matches(re.toString());
    }
}
