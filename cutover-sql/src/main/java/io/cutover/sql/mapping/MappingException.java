package io.cutover.sql.mapping;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;

/** A mapping that cannot work; the message names the mapping key and the fix. Exit code 2. */
public final class MappingException extends CutoverException {
    public MappingException(String message) {
        super(ErrorCode.CONFIG_INVALID, message);
    }
}
