package io.cutover.control;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.List;

/** A switch refused by its gates; carries every gate so the CLI and the API can show them all. */
public final class SwitchRefusedException extends CutoverException {
    private static final long serialVersionUID = 1L;
    private final transient List<Gate> gates;

    public SwitchRefusedException(String message, List<Gate> gates) {
        super(ErrorCode.GATES_REFUSED, message);
        this.gates = List.copyOf(gates);
    }

    public List<Gate> gates() {
        return gates;
    }
}
