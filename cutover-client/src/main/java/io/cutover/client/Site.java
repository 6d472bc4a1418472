package io.cutover.client;

/** One of the two stores of a migration: the old one ({@code SOURCE}) or DynamoDB ({@code TARGET}). */
public enum Site {
    SOURCE, TARGET;

    public Site other() {
        return this == SOURCE ? TARGET : SOURCE;
    }
}
