package io.cutover.local;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;

/**
 * Deterministic sample items for the demo, the benchmarks and the tests: item {@code i} is always the
 * same. They exercise every DynamoDB type: S (including empty), N with 38 significant digits and
 * negative exponents, B, SS, NS, BS, M and L nested, BOOL, NULL; one in 1,000 is nested 32 levels
 * deep, and one in 5,000 is about 300 KB. Keys: {@code pk} (S) and {@code sk} (S).
 */
public final class SampleItems {
    private final long seed;
    private final int paddingBytes;
    private final boolean rareItems;

    /** Items with the rare deep and 300 KB ones. */
    public SampleItems(long seed, int paddingBytes) {
        this(seed, paddingBytes, true);
    }

    /**
     * @param paddingBytes extra bytes per item (0 for none), to reach a target item size
     * @param rareItems    whether one in 1,000 items is nested 32 deep and one in 5,000 is 300 KB
     */
    public SampleItems(long seed, int paddingBytes, boolean rareItems) {
        this.seed = seed;
        this.paddingBytes = paddingBytes;
        this.rareItems = rareItems;
    }

    /**
     * The "orders" table: keys pk/sk, GSI byStatus (status, createdAt), LSI byTotal (pk, total). No
     * stream: DynamoDB Local writes 10-15 times slower to a stream-enabled table once another stream
     * holds records, and a copy reproduces the source's stream setting on the target.
     */
    public static CreateTableRequest ordersTable(String name) {
        return CreateTableRequest.builder().tableName(name)
                .attributeDefinitions(attr("pk", ScalarAttributeType.S), attr("sk", ScalarAttributeType.S),
                        attr("status", ScalarAttributeType.S), attr("createdAt", ScalarAttributeType.N),
                        attr("total", ScalarAttributeType.N))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("byStatus")
                        .keySchema(key("status", KeyType.HASH), key("createdAt", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build())
                .localSecondaryIndexes(LocalSecondaryIndex.builder().indexName("byTotal")
                        .keySchema(key("pk", KeyType.HASH), key("total", KeyType.RANGE))
                        .projection(Projection.builder().projectionType(ProjectionType.INCLUDE).nonKeyAttributes("status").build()).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build();
    }

    /** A plain table with keys pk/sk and nothing else. */
    public static CreateTableRequest plainTable(String name) {
        return CreateTableRequest.builder().tableName(name)
                .attributeDefinitions(attr("pk", ScalarAttributeType.S), attr("sk", ScalarAttributeType.S))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
    }

    /** The same table with a NEW_AND_OLD_IMAGES stream, as a live migration's source needs. */
    public static CreateTableRequest withStream(CreateTableRequest table) {
        return table.toBuilder().streamSpecification(s -> s.streamEnabled(true)
                .streamViewType(software.amazon.awssdk.services.dynamodb.model.StreamViewType.NEW_AND_OLD_IMAGES)).build();
    }

    public Map<String, AttributeValue> item(long i) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        m.put("pk", s("customer#" + (i % 4999)));
        m.put("sk", s(String.format("order#%012d", i)));
        m.put("status", s(new String[] {"NEW", "PAID", "SHIPPED", "RETURNED"}[(int) (i % 4)]));
        m.put("createdAt", n(Long.toString(1_700_000_000_000L + i * 997)));
        m.put("total", n(new BigDecimal(r.nextLong(1, 10_000_000)).movePointLeft(2).toPlainString()));
        m.put("expiresAt", n(Long.toString(4_102_444_800L + i)));
        switch ((int) (i % 8)) {
            case 0 -> m.put("precise", n("1234567890123456789012345678901234567.8")); // 38 digits
            case 1 -> m.put("tiny", n("-0.000000000000000000000000000012345678901234567890"));
            case 2 -> m.put("empty", s(""));
            case 3 -> m.put("nothing", AttributeValue.fromNul(true));
            case 4 -> m.put("emptyBinary", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
            case 5 -> m.put("unicode", s("naïve café – 東京 – 🚀"));
            case 6 -> m.put("bigExp", n("9.9999999999999999999999999999999999999E+125"));
            default -> m.put("negative", n("-" + r.nextLong(1, Long.MAX_VALUE)));
        }
        m.put("gift", AttributeValue.fromBool(r.nextBoolean()));
        byte[] payload = new byte[16 + r.nextInt(48)];
        r.nextBytes(payload);
        m.put("payload", AttributeValue.fromB(SdkBytes.fromByteArray(payload)));
        m.put("tags", AttributeValue.fromSs(List.of("t" + (i % 7), "t" + (i % 11 + 7), "vip")));
        m.put("scores", AttributeValue.fromNs(List.of(Long.toString(i % 100), "3.14", "-2")));
        m.put("hashes", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {1, 2, (byte) i}),
                SdkBytes.fromByteArray(new byte[] {(byte) 0xff, (byte) (i >> 8)}))));
        Map<String, AttributeValue> address = new LinkedHashMap<>();
        address.put("city", s(i % 2 == 0 ? "Lisbon" : "Osaka"));
        address.put("zip", n(Long.toString(10_000 + i % 90_000)));
        address.put("lines", AttributeValue.fromL(List.of(s("line 1"), s(""), AttributeValue.fromNul(true))));
        m.put("address", AttributeValue.fromM(address));
        List<AttributeValue> lines = new ArrayList<>();
        for (int l = 0; l < 1 + i % 3; l++) {
            lines.add(AttributeValue.fromM(Map.of("sku", s("SKU-" + (i * 31 + l) % 10_000), "qty", n(Integer.toString(l + 1)),
                    "options", AttributeValue.fromL(List.of(AttributeValue.fromBool(l % 2 == 0), n("0.5"))))));
        }
        m.put("lines", AttributeValue.fromL(lines));
        if (rareItems && i % 1000 == 7) {
            m.put("deep", deep(31));
        }
        if (rareItems && i % 5000 == 11) {
            m.put("big", s("x".repeat(300 * 1024)));
        }
        if (paddingBytes > 0) {
            m.put("padding", s(padding(r, paddingBytes)));
        }
        return m;
    }

    /** Nested maps and lists: the value plus its {@code levels} containers make 32 levels with the item. */
    private static AttributeValue deep(int levels) {
        AttributeValue v = s("bottom");
        for (int d = 0; d < levels; d++) {
            v = d % 2 == 0 ? AttributeValue.fromM(Map.of("d" + d, v)) : AttributeValue.fromL(List.of(v));
        }
        return v;
    }

    private static String padding(SplittableRandom r, int n) {
        char[] c = new char[n];
        for (int k = 0; k < n; k++) {
            c[k] = (char) ('a' + r.nextInt(26));
        }
        return new String(c);
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }

    private static AttributeDefinition attr(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
