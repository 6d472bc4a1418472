package io.cutover.dynamodb;

import io.cutover.core.item.CanonicalItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

/**
 * An exact, in-memory comparison of two tables, item by item through {@link CanonicalItem}: for the
 * demo and the tests, on tables that fit in memory (about 100 bytes per item). The bounded-memory
 * verifier of {@code cutover verify} replaces it for real tables.
 */
public final class TableComparison {
    /** Counts, and up to ten example keys of each kind of difference. */
    public record Result(long sourceItems, long targetItems, long missing, long extra, long different, List<String> examples) {
        public boolean identical() {
            return missing == 0 && extra == 0 && different == 0;
        }
    }

    private TableComparison() {
    }

    public static Result compare(DynamoDbClient source, String sourceTable, DynamoDbClient target, String targetTable) {
        List<String> keys = source.describeTable(b -> b.tableName(sourceTable)).table().keySchema().stream()
                .map(KeySchemaElement::attributeName).toList();
        Map<String, byte[]> s = scan(source, sourceTable, keys);
        Map<String, byte[]> t = scan(target, targetTable, keys);
        long missing = 0;
        long different = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : s.entrySet()) {
            byte[] other = t.get(e.getKey());
            if (other == null) {
                missing++;
                example(examples, "missing " + e.getKey());
            } else if (!Arrays.equals(other, e.getValue())) {
                different++;
                example(examples, "different " + e.getKey());
            }
        }
        long extra = 0;
        for (String k : t.keySet()) {
            if (!s.containsKey(k)) {
                extra++;
                example(examples, "extra " + k);
            }
        }
        return new Result(s.size(), t.size(), missing, extra, different, examples);
    }

    private static void example(List<String> examples, String line) {
        if (examples.size() < 10) {
            examples.add(line);
        }
    }

    private static Map<String, byte[]> scan(DynamoDbClient client, String table, List<String> keys) {
        int segments = 8;
        Map<String, byte[]> out = new ConcurrentHashMap<>();
        IntStream.range(0, segments).parallel().forEach(seg -> {
            ScanRequest req = ScanRequest.builder().tableName(table).segment(seg).totalSegments(segments).limit(1000)
                    .consistentRead(true).build();
            client.scanPaginator(req).items().forEach(item -> {
                StringBuilder k = new StringBuilder();
                for (String key : keys) {
                    k.append(CanonicalItem.of(Map.of(key, item.get(key))));
                }
                out.put(k.toString(), CanonicalItem.digest(item));
            });
        });
        return out;
    }
}
