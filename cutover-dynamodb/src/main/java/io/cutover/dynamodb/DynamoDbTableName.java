package io.cutover.dynamodb;

import java.util.Optional;
import java.util.regex.Pattern;

/** DynamoDB's rule for table names, checked before any request so that a bad name is a usage error (exit 2), not a service error. */
public final class DynamoDbTableName {
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.-]{3,255}");

    private DynamoDbTableName() {
    }

    /** The problem with {@code name}, given with {@code flag}, or empty when DynamoDB would accept it. */
    public static Optional<String> problem(String flag, String name) {
        if (name != null && TABLE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        String shown = name == null ? "nothing" : "'" + (name.length() > 80 ? name.substring(0, 80) + "..." : name) + "'";
        return Optional.of(flag + ": " + shown + " is not a DynamoDB table name (3-255 characters of A-Z a-z 0-9 _ . -)");
    }
}
