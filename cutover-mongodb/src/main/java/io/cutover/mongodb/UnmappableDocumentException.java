package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;

/**
 * A document that has no exact DynamoDB form (NaN, a regular expression, over 400 KB once mapped,
 * ...). Not a failure of the run: the document goes to the dead-letter file with this reason.
 */
public final class UnmappableDocumentException extends CutoverException {
    private static final long serialVersionUID = 1L;

    public UnmappableDocumentException(String reason) {
        super(ErrorCode.REJECTED, reason);
    }
}
