package io.cutover.dynamodb.passthrough;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a BatchWriteItem request body from raw items, byte for byte:
 * <code>{"RequestItems":{"T":[{"PutRequest":{"Item":<i>item</i>}},...]}}</code>. The item JSON is
 * copied from the Scan response as DynamoDB sent it, so nothing about a value can change on the way.
 * Stateless.
 */
public final class BatchWriteBody {
    private static final byte[] PUT_OPEN = "{\"PutRequest\":{\"Item\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUT_CLOSE = "}}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "]}}".getBytes(StandardCharsets.US_ASCII);
    /** What the body adds around each item. */
    public static final int PER_ITEM = PUT_OPEN.length + PUT_CLOSE.length + 1;

    private BatchWriteBody() {
    }

    /** The envelope's bytes besides the items (table names are [a-zA-Z0-9_.-]: nothing to escape). */
    public static int envelope(String table) {
        return open(table).length + CLOSE.length;
    }

    private static byte[] open(String table) {
        return ("{\"RequestItems\":{\"" + table + "\":[").getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] of(String table, List<RawItem> items) {
        byte[] open = open(table);
        int size = open.length + CLOSE.length;
        for (RawItem item : items) {
            size += PER_ITEM + item.length();
        }
        byte[] out = new byte[size];
        int at = put(out, 0, open);
        boolean first = true;
        for (RawItem item : items) {
            if (!first) {
                out[at++] = ',';
            }
            first = false;
            at = put(out, at, PUT_OPEN);
            System.arraycopy(item.page(), item.offset(), out, at, item.length());
            at += item.length();
            at = put(out, at, PUT_CLOSE);
        }
        at = put(out, at, CLOSE);
        return at == out.length ? out : Arrays.copyOf(out, at);
    }

    private static int put(byte[] out, int at, byte[] what) {
        System.arraycopy(what, 0, out, at, what.length);
        return at + what.length;
    }
}
