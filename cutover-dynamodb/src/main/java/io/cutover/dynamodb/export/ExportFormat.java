package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;

/** The two item formats of a DynamoDB export ({@code outputFormat} in manifest-summary.json). */
public enum ExportFormat {
    /** One <code>{"Item":{...}}</code> per line, in DynamoDB JSON. */
    DYNAMODB_JSON,
    /** One <code>$ion_1_0 {Item:{...}}</code> per line, in Amazon Ion text. */
    ION;

    public static ExportFormat parse(String flag, String value) {
        if (value == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " is missing: pass DYNAMODB_JSON or ION");
        }
        return switch (value.toUpperCase(java.util.Locale.ROOT).replace('-', '_')) {
            case "DYNAMODB_JSON", "JSON" -> DYNAMODB_JSON;
            case "ION" -> ION;
            default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " '" + value + "' is not an export format: pass"
                    + " DYNAMODB_JSON or ION");
        };
    }

    /** The data files' name ending, as DynamoDB names them. */
    public String fileSuffix() {
        return this == ION ? ".ion.gz" : ".json.gz";
    }
}
