package io.cutover.core.item;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class CanonicalItemTest {

    private static void assertSame(Map<String, AttributeValue> a, Map<String, AttributeValue> b) {
        assertEquals(CanonicalItem.of(a), CanonicalItem.of(b));
        assertArrayEquals(CanonicalItem.digest(a), CanonicalItem.digest(b));
    }

    private static void assertDifferent(Map<String, AttributeValue> a, Map<String, AttributeValue> b) {
        assertNotEquals(CanonicalItem.of(a), CanonicalItem.of(b));
        assertFalse(Arrays.equals(CanonicalItem.digest(a), CanonicalItem.digest(b)), "digests differ");
    }

    private static Map<String, AttributeValue> item(String k, AttributeValue v) {
        return Map.of(k, v);
    }

    private static SdkBytes bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return SdkBytes.fromByteArray(b);
    }

    @Test
    void attributeOrderDoesNotMatter() {
        Map<String, AttributeValue> a = new LinkedHashMap<>();
        a.put("id", AttributeValue.fromS("1"));
        a.put("name", AttributeValue.fromS("x"));
        a.put("age", AttributeValue.fromN("3"));
        Map<String, AttributeValue> b = new LinkedHashMap<>();
        b.put("age", AttributeValue.fromN("3"));
        b.put("id", AttributeValue.fromS("1"));
        b.put("name", AttributeValue.fromS("x"));

        assertSame(a, b);
    }

    @Test
    void attributeOrderInsideNestedMapsDoesNotMatter() {
        Map<String, AttributeValue> m1 = new LinkedHashMap<>();
        m1.put("a", AttributeValue.fromN("1"));
        m1.put("b", AttributeValue.fromN("2"));
        Map<String, AttributeValue> m2 = new LinkedHashMap<>();
        m2.put("b", AttributeValue.fromN("2"));
        m2.put("a", AttributeValue.fromN("1"));

        assertSame(item("m", AttributeValue.fromM(m1)), item("m", AttributeValue.fromM(m2)));
    }

    @ParameterizedTest
    @CsvSource({"1.0,1", "1E0,1", "1,1.000", "0.00,0", "-0,0", "0E+5,0", "100,1E2", "1.5,15E-1", "-2.50,-2.5",
            "12345678901234567890123456789012345678,1.2345678901234567890123456789012345678E37"})
    void numbersCompareByValue(String x, String y) {
        assertSame(item("n", AttributeValue.fromN(x)), item("n", AttributeValue.fromN(y)));
    }

    @ParameterizedTest
    @CsvSource({"1,2", "1,-1", "0.1,0.01", "1,10", "12345678901234567890123456789012345678,12345678901234567890123456789012345679"})
    void differentNumbersDiffer(String x, String y) {
        assertDifferent(item("n", AttributeValue.fromN(x)), item("n", AttributeValue.fromN(y)));
    }

    @Test
    void stringSetElementOrderDoesNotMatter() {
        assertSame(item("s", AttributeValue.fromSs(List.of("a", "b", "c"))),
                item("s", AttributeValue.fromSs(List.of("c", "a", "b"))));
    }

    @Test
    void numberSetElementOrderAndNotationDoNotMatter() {
        assertSame(item("s", AttributeValue.fromNs(List.of("1", "2.50", "30"))),
                item("s", AttributeValue.fromNs(List.of("3E1", "1.0", "2.5"))));
    }

    @Test
    void binarySetElementOrderDoesNotMatter() {
        assertSame(item("s", AttributeValue.fromBs(List.of(bytes(1), bytes(2, 3), bytes(0xff)))),
                item("s", AttributeValue.fromBs(List.of(bytes(0xff), bytes(1), bytes(2, 3)))));
    }

    @Test
    void setsWithDifferentElementsDiffer() {
        assertDifferent(item("s", AttributeValue.fromSs(List.of("a", "b"))), item("s", AttributeValue.fromSs(List.of("a", "c"))));
        assertDifferent(item("s", AttributeValue.fromSs(List.of("a", "b"))), item("s", AttributeValue.fromSs(List.of("a"))));
        assertDifferent(item("s", AttributeValue.fromNs(List.of("1", "2"))), item("s", AttributeValue.fromNs(List.of("1", "3"))));
        assertDifferent(item("s", AttributeValue.fromBs(List.of(bytes(1)))), item("s", AttributeValue.fromBs(List.of(bytes(2)))));
    }

    @Test
    void stringSetElementsContainingSeparatorsAreNotConfusedWithSeparateElements() {
        assertDifferent(item("s", AttributeValue.fromSs(List.of("a,b"))), item("s", AttributeValue.fromSs(List.of("a", "b"))));
        assertDifferent(item("s", AttributeValue.fromSs(List.of("a\",\"b"))), item("s", AttributeValue.fromSs(List.of("a", "b"))));
    }

    @Test
    void listOrderMatters() {
        assertDifferent(item("l", AttributeValue.fromL(List.of(AttributeValue.fromS("a"), AttributeValue.fromS("b")))),
                item("l", AttributeValue.fromL(List.of(AttributeValue.fromS("b"), AttributeValue.fromS("a")))));
    }

    @Test
    void listsCompareNumbersByValue() {
        assertSame(item("l", AttributeValue.fromL(List.of(AttributeValue.fromN("1.0"), AttributeValue.fromS("x")))),
                item("l", AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.fromS("x")))));
    }

    @Test
    void typeMatters() {
        assertDifferent(item("v", AttributeValue.fromN("1")), item("v", AttributeValue.fromS("1")));
        assertDifferent(item("v", AttributeValue.fromSs(List.of("a"))),
                item("v", AttributeValue.fromL(List.of(AttributeValue.fromS("a")))));
        assertDifferent(item("v", AttributeValue.fromS("a")), item("v", AttributeValue.fromSs(List.of("a"))));
        assertDifferent(item("v", AttributeValue.fromNs(List.of("1"))), item("v", AttributeValue.fromSs(List.of("1"))));
        assertDifferent(item("v", AttributeValue.fromS("true")), item("v", AttributeValue.fromBool(true)));
        assertDifferent(item("v", AttributeValue.fromS("NULL")), item("v", AttributeValue.fromNul(true)));
        assertDifferent(item("v", AttributeValue.fromM(Map.of())), item("v", AttributeValue.fromL(List.of())));
        assertDifferent(item("v", AttributeValue.fromB(bytes(1, 2, 3))), item("v", AttributeValue.fromS("AQID")));
    }

    @Test
    void valuesAndNamesMatter() {
        assertDifferent(item("a", AttributeValue.fromS("x")), item("b", AttributeValue.fromS("x")));
        assertDifferent(item("a", AttributeValue.fromS("x")), item("a", AttributeValue.fromS("y")));
        assertDifferent(item("a", AttributeValue.fromBool(true)), item("a", AttributeValue.fromBool(false)));
        assertDifferent(item("a", AttributeValue.fromB(bytes(1))), item("a", AttributeValue.fromB(bytes(1, 0))));
        assertDifferent(Map.of("a", AttributeValue.fromS("x")),
                Map.of("a", AttributeValue.fromS("x"), "b", AttributeValue.fromNul(true)));
    }

    @Test
    void quotesInNamesAndStringsCannotForgeAnotherItem() {
        Map<String, AttributeValue> one = Map.of("a", AttributeValue.fromS("x\",\"b\":S\"y"));
        Map<String, AttributeValue> two = Map.of("a", AttributeValue.fromS("x"), "b", AttributeValue.fromS("y"));

        assertDifferent(one, two);
    }

    @Test
    void nestedDifferenceIsDetected() {
        AttributeValue deepA = AttributeValue.fromN("1");
        AttributeValue deepB = AttributeValue.fromN("2");
        for (int i = 0; i < 10; i++) {
            deepA = AttributeValue.fromM(Map.of("k", AttributeValue.fromL(List.of(AttributeValue.fromS("same"), deepA))));
            deepB = AttributeValue.fromM(Map.of("k", AttributeValue.fromL(List.of(AttributeValue.fromS("same"), deepB))));
        }

        assertDifferent(item("root", deepA), item("root", deepB));
    }

    @Test
    void nestedSetsAndNumbersAreCanonicalToo() {
        AttributeValue a = AttributeValue.fromM(Map.of("tags", AttributeValue.fromSs(List.of("x", "y")),
                "price", AttributeValue.fromN("10.00")));
        AttributeValue b = AttributeValue.fromM(Map.of("price", AttributeValue.fromN("1E1"),
                "tags", AttributeValue.fromSs(List.of("y", "x"))));

        assertSame(item("m", a), item("m", b));
    }

    @Test
    void canonicalNumberFormIsIndependentOfNotation() {
        assertEquals(CanonicalItem.number("1"), CanonicalItem.number("1.000"));
        assertEquals("0", CanonicalItem.number("0.000"));
        assertEquals("0", CanonicalItem.number("-0.0"));
        assertNotEquals(CanonicalItem.number("1"), CanonicalItem.number("-1"));
    }

    @Test
    void digestIsSha256Sized() {
        assertEquals(32, CanonicalItem.digest(Map.of("id", AttributeValue.fromS("a"))).length);
    }
}
