package io.cutover.dynamodb;

/** One source table and the target table it is copied to. */
public record TablePair(String source, String target) {
    /** Unique, file-name-safe id of this pair, used as the checkpoint scope. */
    public String scope() {
        return source + "--to--" + target;
    }

    @Override
    public String toString() {
        return source + " -> " + target;
    }
}
