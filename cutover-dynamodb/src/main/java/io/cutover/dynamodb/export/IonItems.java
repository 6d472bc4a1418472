package io.cutover.dynamodb.export;

import com.amazon.ion.IonReader;
import com.amazon.ion.IonType;
import com.amazon.ion.IonWriter;
import com.amazon.ion.system.IonTextWriterBuilder;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB items in Amazon Ion, as DynamoDB's export writes them: S as string, N as decimal (an Ion int is
 * read too), B as blob, BOOL as bool, NULL as null, L as list, M as struct, and sets as lists annotated
 * {@code $dynamodb_SS}, {@code $dynamodb_NS}, {@code $dynamodb_BS}. An Ion float is refused: a binary float
 * cannot hold a DynamoDB number exactly, and DynamoDB never writes one. Stateless.
 */
final class IonItems {
    static final String SS = "$dynamodb_SS";
    static final String NS = "$dynamodb_NS";
    static final String BS = "$dynamodb_BS";

    private IonItems() {
    }

    /** Reads the struct the reader is positioned on (after {@code next()} returned STRUCT) as an item. */
    static Map<String, AttributeValue> readStruct(IonReader r) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        r.stepIn();
        IonType t;
        while ((t = r.next()) != null) {
            String name = r.getFieldName();
            if (item.put(name, readValue(r, t)) != null) {
                throw new IllegalArgumentException("attribute '" + name + "' appears twice");
            }
        }
        r.stepOut();
        return item;
    }

    private static AttributeValue readValue(IonReader r, IonType t) {
        if (r.isNullValue()) {
            return AttributeValue.fromNul(true);
        }
        String[] annotations = r.getTypeAnnotations();
        String set = annotations.length == 0 ? null : annotations[0];
        return switch (t) {
            case BOOL -> AttributeValue.fromBool(r.booleanValue());
            case INT -> AttributeValue.fromN(r.bigIntegerValue().toString());
            case DECIMAL -> AttributeValue.fromN(number(r.bigDecimalValue()));
            case STRING, SYMBOL -> AttributeValue.fromS(r.stringValue());
            case BLOB, CLOB -> AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(r.newBytes()));
            case STRUCT -> AttributeValue.fromM(readStruct(r));
            case LIST -> set == null ? AttributeValue.fromL(readList(r)) : readSet(r, set);
            case FLOAT -> throw new IllegalArgumentException("an Ion float (" + r.doubleValue() + ") cannot hold a DynamoDB number"
                    + " exactly; DynamoDB exports numbers as Ion decimals");
            default -> throw new IllegalArgumentException("Ion type " + t + " is not one a DynamoDB export writes");
        };
    }

    private static List<AttributeValue> readList(IonReader r) {
        List<AttributeValue> out = new ArrayList<>();
        r.stepIn();
        IonType t;
        while ((t = r.next()) != null) {
            out.add(readValue(r, t));
        }
        r.stepOut();
        return out;
    }

    private static AttributeValue readSet(IonReader r, String annotation) {
        List<String> strings = new ArrayList<>();
        List<SdkBytes> bytes = new ArrayList<>();
        r.stepIn();
        IonType t;
        while ((t = r.next()) != null) {
            switch (annotation) {
                case SS -> strings.add(expect(r, t, IonType.STRING).stringValue());
                case NS -> strings.add(t == IonType.INT ? r.bigIntegerValue().toString() : number(expect(r, t, IonType.DECIMAL).bigDecimalValue()));
                case BS -> bytes.add(SdkBytes.fromByteArrayUnsafe(expect(r, t, IonType.BLOB).newBytes()));
                default -> throw new IllegalArgumentException("list annotation '" + annotation + "' is not a DynamoDB set");
            }
        }
        r.stepOut();
        if (strings.isEmpty() && bytes.isEmpty()) {
            throw new IllegalArgumentException("an empty " + annotation + ": DynamoDB has no empty sets");
        }
        return switch (annotation) {
            case SS -> AttributeValue.fromSs(strings);
            case NS -> AttributeValue.fromNs(strings);
            default -> AttributeValue.fromBs(bytes);
        };
    }

    private static IonReader expect(IonReader r, IonType t, IonType wanted) {
        if (t != wanted || r.isNullValue()) {
            throw new IllegalArgumentException("a set element is " + (r.isNullValue() ? "null" : t) + ", not " + wanted);
        }
        return r;
    }

    /** A DynamoDB number's text for an Ion decimal: every digit kept, the exponent where BigDecimal puts one. */
    static String number(BigDecimal d) {
        return d.toString();
    }

    /** One export line: {@code $ion_1_0 {Item:{...}}}, without the newline. */
    static String line(Map<String, AttributeValue> item) {
        StringBuilder b = new StringBuilder("$ion_1_0 ");
        try (IonWriter w = IonTextWriterBuilder.standard().build(b)) {
            w.stepIn(IonType.STRUCT);
            w.setFieldName("Item");
            writeStruct(w, item);
            w.stepOut();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.toString();
    }

    private static void writeStruct(IonWriter w, Map<String, AttributeValue> m) throws IOException {
        w.stepIn(IonType.STRUCT);
        for (Map.Entry<String, AttributeValue> e : m.entrySet()) {
            w.setFieldName(e.getKey());
            writeValue(w, e.getValue());
        }
        w.stepOut();
    }

    private static void writeValue(IonWriter w, AttributeValue v) throws IOException {
        switch (v.type()) {
            case S -> w.writeString(v.s());
            case N -> w.writeDecimal(new BigDecimal(v.n()));
            case B -> w.writeBlob(v.b().asByteArrayUnsafe());
            case BOOL -> w.writeBool(v.bool());
            case NUL -> w.writeNull();
            case SS -> {
                w.setTypeAnnotations(SS);
                w.stepIn(IonType.LIST);
                for (String s : v.ss()) {
                    w.writeString(s);
                }
                w.stepOut();
            }
            case NS -> {
                w.setTypeAnnotations(NS);
                w.stepIn(IonType.LIST);
                for (String n : v.ns()) {
                    w.writeDecimal(new BigDecimal(n));
                }
                w.stepOut();
            }
            case BS -> {
                w.setTypeAnnotations(BS);
                w.stepIn(IonType.LIST);
                for (SdkBytes b : v.bs()) {
                    w.writeBlob(b.asByteArrayUnsafe());
                }
                w.stepOut();
            }
            case L -> {
                w.stepIn(IonType.LIST);
                for (AttributeValue e : v.l()) {
                    writeValue(w, e);
                }
                w.stepOut();
            }
            case M -> writeStruct(w, v.m());
            default -> throw new IllegalArgumentException("unknown DynamoDB attribute type " + v.type());
        }
    }
}
