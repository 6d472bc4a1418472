package io.cutover.dynamodb.passthrough;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.item.CanonicalItem;
import io.cutover.core.item.DynamoDbJson;
import io.cutover.core.result.CopyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbCopier;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/** The pass-through copy path (decision 0220) against a real DynamoDB Local on a loopback port. */
class PassThroughCopyIT {
    static LocalDynamoDb db;
    static DynamoDbClient client;

    @TempDir
    Path state;

    @BeforeAll
    static void start() {
        db = LocalTables.shared();
        client = LocalTables.client(db);
    }

    private CopyResult copy(String src, String dst, boolean passThrough) {
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(src, dst).stateDir(state.resolve(dst)).passThrough(passThrough).scanPageSize(300).build();
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, CopyProgress.NONE, List.of())) {
            return copier.run();
        }
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }

    /** Items with every type and the strings that are hard to carry unchanged, including in attribute names. */
    static List<Map<String, AttributeValue>> specialItems() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> a = new LinkedHashMap<>();
        a.put("pk", s("special#1 \"quoted\" \\ back\u0001slash 😀"));
        a.put("sk", s("é\u0000\u001f\n\t\u2028"));
        a.put("s", s("quotes \" and \\ and / and \b\f\r control \u0007 and 𝄞 surrogate pairs 😀🚀 and 中文"));
        a.put("name \"with\" \\ escapes\n and 😀", s("value"));
        a.put("empty", s(""));
        a.put("n38", n("12345678901234567890123456789012345678"));
        a.put("nexp", n("1.5E+100"));
        a.put("nneg", n("-9.9999999999999999999999999999999999999E-120"));
        a.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, (byte) 0xff, '"', '\\', 10})));
        a.put("emptyB", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
        a.put("t", AttributeValue.fromBool(true));
        a.put("f", AttributeValue.fromBool(false));
        a.put("nul", AttributeValue.fromNul(true));
        a.put("ss", AttributeValue.fromSs(List.of("a\"b", "c\\d", "😀", "", "\u0001")));
        a.put("ns", AttributeValue.fromNs(List.of("1", "-0.5", "1E+10", "12345678901234567890123456789012345678")));
        a.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {1}), SdkBytes.fromByteArray(new byte[] {(byte) 0xfe, 0}))));
        a.put("l", AttributeValue.fromL(List.of(s("x"), n("1"), AttributeValue.fromNul(true), AttributeValue.fromL(List.of()),
                AttributeValue.fromM(Map.of()), AttributeValue.fromM(Map.of("k \"q\"", s("v\\"))))));
        a.put("emptyL", AttributeValue.fromL(List.of()));
        a.put("emptyM", AttributeValue.fromM(Map.of()));
        AttributeValue deep = s("bottom 😀");
        for (int i = 0; i < 31; i++) {
            deep = i % 2 == 0 ? AttributeValue.fromM(Map.of("level " + i + " \"", deep)) : AttributeValue.fromL(List.of(deep, n(Integer.toString(i))));
        }
        a.put("deep", deep);
        items.add(a);
        // Close to the 400 KB item limit, with multi-byte characters and escapes all through.
        Map<String, AttributeValue> big = new LinkedHashMap<>();
        big.put("pk", s("special#big"));
        big.put("sk", s("big"));
        big.put("big", s("ü\"\\\n😀x".repeat(400 * 1024 / 13)));
        items.add(big);
        RandomItems random = new RandomItems(42);
        for (int i = 0; i < 200; i++) {
            Map<String, AttributeValue> r = random.item(i);
            // Random text as keys; the table's keys are strings.
            Map<String, AttributeValue> item = new LinkedHashMap<>(r);
            item.put("sk", s(r.get("sk").n()));
            items.add(item);
        }
        return items;
    }

    /** Creates {@code table} holding {@code special} and {@code sampleItems} sample items; returns how many it holds. */
    private static long loadTable(String table, List<Map<String, AttributeValue>> special, int sampleItems, long seed) {
        LocalTables.create(client, SampleItems.plainTable(table));
        for (Map<String, AttributeValue> item : special) {
            client.putItem(b -> b.tableName(table).item(item));
        }
        LocalTables.load(client, table, sampleItems, new SampleItems(seed, 0)::item);
        return special.size() + sampleItems;
    }

    /**
     * The verify's pass-through read (issue 16) makes each item's canonical text from the Scan response's JSON: on every type,
     * escape and number notation it must hash exactly as the object path does, or a verify of DynamoDB against MongoDB or SQL
     * (which read through attribute values) would report differences that are not there, or miss ones that are.
     */
    @Test
    void theVerifysPassThroughReadHashesEveryItemAsTheObjectPathDoes() {
        String src = LocalTables.uniqueName("vpass");
        List<Map<String, AttributeValue>> special = specialItems();
        long total = loadTable(src, special, 2_000, 6);
        DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
        try (DynamoDbClient raw = io.cutover.dynamodb.DynamoDbClients.create(endpoint, 40, new PassThroughBodies())) {
            var passThrough = new io.cutover.dynamodb.DynamoDbVerifySide(raw, endpoint, src, -1, RetryPolicy.defaults(), 100).passThrough();
            var objects = new io.cutover.dynamodb.DynamoDbVerifySide(raw, endpoint, src, -1, RetryPolicy.defaults(), 100);
            var result = new io.cutover.core.verify.Verifier(passThrough, objects, List.of("pk", "sk"),
                    io.cutover.core.verify.VerifyOptions.defaults().withSegments(4), CopyProgress.NONE).run().result();
            assertTrue(result.identical(), result.toString());
            assertEquals(total, result.sourceItems());
            assertEquals(total, result.targetItems());

            // And a difference deep inside an item is found, by key, by both reads.
            String dst = src + "-changed";
            copy(src, dst, true);
            Map<String, AttributeValue> changed = new LinkedHashMap<>(special.get(0));
            changed.put("deep", AttributeValue.fromL(List.of(AttributeValue.fromN("1"))));
            client.putItem(b -> b.tableName(dst).item(changed));
            var other = new io.cutover.dynamodb.DynamoDbVerifySide(raw, endpoint, dst, -1, RetryPolicy.defaults(), 100);
            for (boolean fast : List.of(true, false)) {
                var found = new io.cutover.core.verify.Verifier(fast ? passThrough : objects, fast ? other.passThrough() : other,
                        List.of("pk", "sk"), io.cutover.core.verify.VerifyOptions.defaults().withSegments(4), CopyProgress.NONE).run().result();
                assertEquals(1, found.different(), found.toString());
                assertEquals(0, found.missing() + found.extra(), found.toString());
            }
        }
    }

    @Test
    void copiesEveryTypeExactlyAndCountsAsTheObjectPath() {
        String src = LocalTables.uniqueName("pass");
        List<Map<String, AttributeValue>> special = specialItems();
        long total = loadTable(src, special, 3_000, 5);

        CopyResult passed = copy(src, src + "-pass", true);
        CopyResult objects = copy(src, src + "-obj", false);

        for (String dst : List.of(src + "-pass", src + "-obj")) {
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), dst + ": " + cmp);
            assertEquals(total, cmp.targetItems());
        }
        assertEquals("completed", passed.status());
        assertEquals(total, passed.items());
        assertEquals(objects.items(), passed.items());
        assertEquals(objects.bytes(), passed.bytes(), "billed bytes as the object path counts them");
        assertEquals(objects.deadLettered(), passed.deadLettered());
        // Each special item, read back, is what was written (string for string, not only equal by value).
        for (Map<String, AttributeValue> item : special.subList(0, 2)) {
            Map<String, AttributeValue> key = Map.of("pk", item.get("pk"), "sk", item.get("sk"));
            Map<String, AttributeValue> back = client.getItem(b -> b.tableName(src + "-pass").key(key).consistentRead(true)).item();
            assertEquals(CanonicalItem.of(item), CanonicalItem.of(back));
            assertEquals(item.get("n38"), back.get("n38"));
        }
    }

    @Test
    void deadLettersAnOversizeItemWithItsReasonAndWritesTheRest() throws IOException {
        String dst = LocalTables.uniqueName("pass-over");
        LocalTables.create(client, SampleItems.plainTable(dst));
        Map<String, AttributeValue> over = new LinkedHashMap<>(Map.of("pk", s("over"), "sk", s("1"), "big", s("y".repeat(410 * 1024))));
        List<RawItem> items = new ArrayList<>();
        List<String> keys = List.of("pk", "sk");
        items.add(RawItem.of(Map.of("pk", s("ok"), "sk", s("1"), "v", n("1")), keys));
        items.add(RawItem.of(over, keys));
        items.add(RawItem.of(Map.of("pk", s("ok"), "sk", s("2"), "v", s("😀")), keys));
        Path letters = state.resolve("dead-letters.jsonl");

        WriteOutcome outcome;
        try (FileDeadLetterSink dead = new FileDeadLetterSink(letters);
             DynamoDbBatchWriter writer = new DynamoDbBatchWriter(passThroughClient(List.of()), dst, 4, Throttle.unlimited(),
                     RetryPolicy.defaults(), new DynamoDbErrorClassifier(DynamoDbEndpoint.local("target", db.endpoint())), dead)) {
            outcome = writer.writeRaw(items).join();
        }

        assertEquals(2, outcome.written());
        assertEquals(1, outcome.deadLettered());
        assertEquals(items.get(0).billed() + items.get(2).billed(), outcome.bytes());
        assertEquals(2, client.scan(b -> b.tableName(dst)).count());
        List<String> lines = Files.readAllLines(letters);
        assertEquals(1, lines.size());
        JsonNode letter = new ObjectMapper().readTree(lines.get(0));
        assertTrue(letter.get("reason").asText().toLowerCase().contains("size"), letter.get("reason").asText());
        assertEquals(CanonicalItem.of(over), CanonicalItem.of(DynamoDbJson.readItem(letter.get("item"))), "the dead letter is the item");
    }

    /** What the SDK put on the wire, seen after signing. */
    static final class Wire implements ExecutionInterceptor {
        final List<SdkHttpRequest> requests = new CopyOnWriteArrayList<>();
        final List<byte[]> bodies = new CopyOnWriteArrayList<>();

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (!(context.request() instanceof BatchWriteItemRequest)) {
                return;
            }
            requests.add(context.httpRequest());
            try (InputStream in = context.requestBody().orElseThrow().contentStreamProvider().newStream()) {
                bodies.add(in.readAllBytes());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Fails the first {@code n} BatchWriteItem attempts after they were sent, as a throttled service would. */
    static final class FirstAttemptsThrottled implements ExecutionInterceptor {
        final AtomicInteger left;

        FirstAttemptsThrottled(int n) {
            left = new AtomicInteger(n);
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof BatchWriteItemRequest && left.getAndDecrement() > 0) {
                throw ProvisionedThroughputExceededException.builder().statusCode(400).message("injected")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException").build()).build();
            }
        }
    }

    private static final AwsBasicCredentials CREDENTIALS = AwsBasicCredentials.create("AKIDPASSTHROUGHTEST", "passThroughTestSecret");

    private static DynamoDbClient passThroughClient(List<ExecutionInterceptor> more) {
        return passThroughClient(more, AwsRetryStrategy.doNotRetry());
    }

    private static DynamoDbClient passThroughClient(List<ExecutionInterceptor> more,
                                                    software.amazon.awssdk.retries.api.RetryStrategy retries) {
        return DynamoDbClient.builder().endpointOverride(db.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(CREDENTIALS))
                .overrideConfiguration(o -> {
                    o.retryStrategy(retries);
                    o.addExecutionInterceptor(new PassThroughBodies());
                    more.forEach(o::addExecutionInterceptor);
                }).build();
    }

    /** Signs {@code request} (without its signature) over {@code body} at the time it was first signed. */
    private static String signatureOver(SdkHttpRequest request, byte[] body) {
        String date = request.firstMatchingHeader("X-Amz-Date").orElseThrow();
        Instant at = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).parse(date, Instant::from);
        SdkHttpRequest unsigned = request.toBuilder().removeHeader("Authorization").removeHeader("X-Amz-Date").build();
        var signed = AwsV4HttpSigner.create().sign(r -> r.identity(CREDENTIALS).request(unsigned)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "dynamodb")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        return signed.request().firstMatchingHeader("Authorization").orElseThrow();
    }

    @Test
    void signsTheBodyItBuiltAndResendsTheSameBytesOnEveryRetry() {
        String dst = LocalTables.uniqueName("pass-sign");
        LocalTables.create(client, SampleItems.plainTable(dst));
        List<String> keys = List.of("pk", "sk");
        List<RawItem> items = List.of(RawItem.of(Map.of("pk", s("a \"😀\""), "sk", s("1"), "v", n("1E+5")), keys),
                RawItem.of(Map.of("pk", s("b"), "sk", s("2"), "l", AttributeValue.fromL(List.of(AttributeValue.fromNul(true)))), keys));
        byte[] expected = BatchWriteBody.of(dst, items);

        // Our retry policy (the SDK's retries are off in the copy), then the SDK's own retry strategy: the same bytes each time.
        Wire wire = new Wire();
        try (DynamoDbBatchWriter writer = new DynamoDbBatchWriter(passThroughClient(List.of(new FirstAttemptsThrottled(2), wire)), dst, 1,
                Throttle.unlimited(), new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(5)),
                new DynamoDbErrorClassifier(DynamoDbEndpoint.local("target", db.endpoint())), new FileDeadLetterSink(state.resolve("none.jsonl")))) {
            assertEquals(2, writer.writeRaw(items).join().written());
            assertEquals(2, writer.retries());
        }
        Wire sdkWire = new Wire();
        DynamoDbClient sdkRetrying = passThroughClient(List.of(new FirstAttemptsThrottled(1), sdkWire),
                AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(3).build());
        PassThroughBodies.Exchange exchange = PassThroughBodies.Exchange.sending(expected);
        sdkRetrying.batchWriteItem(BatchWriteItemRequest.builder()
                .overrideConfiguration(o -> o.putExecutionAttribute(PassThroughBodies.EXCHANGE, exchange)).build());
        exchange.checkSent();

        List<SdkHttpRequest> requests = new ArrayList<>(wire.requests);
        requests.addAll(sdkWire.requests);
        List<byte[]> bodies = new ArrayList<>(wire.bodies);
        bodies.addAll(sdkWire.bodies);
        assertEquals(5, requests.size(), "3 attempts through the retry policy, 2 through the SDK's");
        for (int i = 0; i < requests.size(); i++) {
            SdkHttpRequest sent = requests.get(i);
            assertArrayEquals(expected, bodies.get(i), "attempt " + i + " sends the body built from the items' bytes");
            assertEquals(Integer.toString(expected.length), sent.firstMatchingHeader("Content-Length").orElseThrow());
            String authorization = sent.firstMatchingHeader("Authorization").orElseThrow();
            assertEquals(signatureOver(sent, expected), authorization, "the signature covers our body");
            byte[] other = expected.clone();
            other[other.length - 5] = 'X';
            assertNotEquals(signatureOver(sent, other), authorization, "a different body would have another signature");
        }
        assertEquals(2, client.scan(b -> b.tableName(dst)).count());
    }

    @Test
    void aClientWithoutTheInterceptorFailsLoudlyInsteadOfSendingAnEmptyRequest() {
        DynamoDbClient plain = LocalTables.client(db);
        String table = LocalTables.uniqueName("pass-plain");
        LocalTables.create(client, SampleItems.plainTable(table));
        PassThroughBodies.Exchange exchange = PassThroughBodies.Exchange.capturing();
        plain.scan(b -> b.tableName(table).overrideConfiguration(o -> o.putExecutionAttribute(
                PassThroughBodies.EXCHANGE, exchange))).items();
        CutoverException e = org.junit.jupiter.api.Assertions.assertThrows(CutoverException.class, exchange::responseBody);
        assertEquals(ErrorCode.INTERNAL, e.code());
    }
}
