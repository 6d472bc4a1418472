package io.cutover.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The expression rewriting of the versioned writes (no I/O: DynamoDB Local checks the results in the ITs). */
class DynamoDbStoreTest {
    @Test
    void anUpdateAlsoSetsTheVersionAndClearsTheTombstoneInTheClausesItHas() {
        assertEquals("SET #cutover_v = :cutover_v, #a = :a REMOVE #cutover_t", DynamoDbStore.versioned("SET #a = :a"));
        assertEquals("ADD #n :one SET #cutover_v = :cutover_v REMOVE #cutover_t", DynamoDbStore.versioned("ADD #n :one"));
        assertEquals("set #cutover_v = :cutover_v, x = :set REMOVE #cutover_t, y", DynamoDbStore.versioned("set x = :set REMOVE y"));
    }

    @Test
    void aConditionIsParenthesizedOnceOnly() {
        assertEquals("(a = :a OR b = :b)", DynamoDbStore.parenthesized("a = :a OR b = :b"));
        assertEquals("(a = :a OR b = :b)", DynamoDbStore.parenthesized("(a = :a OR b = :b)"));
        assertEquals("((a = :a) OR (b = :b))", DynamoDbStore.parenthesized("(a = :a) OR (b = :b)"));
    }
}
