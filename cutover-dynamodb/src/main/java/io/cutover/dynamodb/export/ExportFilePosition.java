package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.Position;

/** Where a unit stands in its export file: the number of items whose writes the target acknowledged. */
public record ExportFilePosition(long items) implements Position {
    public ExportFilePosition {
        if (items < 0) {
            throw new IllegalArgumentException("items must be >= 0");
        }
    }

    @Override
    public String encode() {
        return Long.toString(items);
    }

    public static ExportFilePosition decode(String encoded) {
        try {
            return new ExportFilePosition(Long.parseLong(encoded));
        } catch (IllegalArgumentException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "export file checkpoint '" + encoded + "' is not an item count:"
                    + " pass --restart", e);
        }
    }
}
