package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The endpoint registry: a small DynamoDB table that maps an application id to its phase, its active
 * site and where both sides live (docs/decisions/0031-endpoint-registry.md). Item layout: partition key
 * {@code app}, sort key {@code sk}; the entry is {@code sk = "entry"}, each change's audit record is
 * {@code sk = "audit#<version, 12 digits>"}. Instance reports live in their own key space, partition
 * {@code clients#<app>}, sort key the instance (docs/decisions/0072-gates-operators-and-instance-reports.md), so
 * that an IAM policy can let applications write reports ({@code dynamodb:LeadingKeys} {@code clients#*}) and
 * nothing else.
 *
 * <p>Every change is one transaction: an update of the entry conditioned on the version the caller
 * read, and the put of its audit record. Two operators racing therefore cannot both win: the loser
 * gets a {@link ErrorCode#CONFLICT} naming who won and the current version. Reads are strongly
 * consistent. Thread-safe (the SDK client is); every call blocks on one or two requests.
 */
public final class EndpointRegistry {
    public static final String DEFAULT_TABLE = "cutover-registry";
    private static final String ENTRY = "entry";
    private static final String AUDIT = "audit#";
    private static final String CLIENTS = "clients#";

    private final DynamoDbClient client;
    private final String table;
    /** The registry endpoint's clock minus ours, from the Date header of its last response (1 s resolution). */
    private volatile long clockOffsetMillis;
    private volatile boolean clockKnown;

    public EndpointRegistry(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    public String table() {
        return table;
    }

    /** Creates the registry table (on-demand billing) unless it exists; waits until it is active. */
    public EndpointRegistry ensureTable() {
        try {
            client.describeTable(b -> b.tableName(table));
            return this;
        } catch (ResourceNotFoundException absent) {
            // create it below
        } catch (SdkException e) {
            throw failure("describe", e);
        }
        try {
            client.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("app").attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("app").keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));
        } catch (ResourceInUseException raced) {
            // another process created it at the same moment
        } catch (SdkException e) {
            throw failure("create", e);
        }
        client.waiter().waitUntilTableExists(b -> b.tableName(table));
        return this;
    }

    /** Registers an application at {@link Phase#SOURCE_ONLY}, version 1; a {@link ErrorCode#CONFLICT} if it exists. */
    public RegistryEntry register(String app, StoreEndpoint source, StoreEndpoint target, String stateDir, String verifyStateDir,
                                  String by, String reason) {
        return register(app, source, target, stateDir, verifyStateDir, null, by, reason);
    }

    /**
     * Registers an application with its reverse migration's state directory too (the target's stream applied to the
     * source), which the handover gate and {@code cutover failback} read.
     */
    public RegistryEntry register(String app, StoreEndpoint source, StoreEndpoint target, String stateDir, String verifyStateDir,
                                  String reverseStateDir, String by, String reason) {
        requireApp(app);
        RegistryEntry entry = new RegistryEntry(app, Phase.SOURCE_ONLY, Phase.SOURCE_ONLY.primary(), source, target, stateDir,
                verifyStateDir, 1, by, Instant.now().toString(), reason, reverseStateDir);
        AuditRecord audit = new AuditRecord(app, 1, entry.updatedAt(), by, "register", null, Phase.SOURCE_ONLY, false, reason, null, null);
        commit(entry, audit, "attribute_not_exists(app)", Map.of(), 0);
        return entry;
    }

    /** The entry, read strongly consistent. */
    public Optional<RegistryEntry> get(String app) {
        try {
            var response = client.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of("app", s(app), "sk", s(ENTRY))));
            observeClock(response);
            Map<String, AttributeValue> item = response.item();
            return item == null || item.isEmpty() ? Optional.empty() : Optional.of(entryOf(item));
        } catch (SdkException e) {
            throw failure("read", e);
        }
    }

    /** The entry, or a clear error saying how to register the application. */
    public RegistryEntry require(String app) {
        return get(app).orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID, "--app: no application '" + app
                + "' in the registry table " + table + ": register it with 'cutover registry register --app " + app + " ...'"));
    }

    /** Every registered application, by id. */
    public List<RegistryEntry> list() {
        List<RegistryEntry> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        try {
            do {
                Map<String, AttributeValue> from = start;
                ScanResponse page = client.scan(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
                        .filterExpression("sk = :e AND NOT begins_with(app, :c)").expressionAttributeValues(Map.of(":e", s(ENTRY), ":c", s(CLIENTS))));
                page.items().forEach(i -> out.add(entryOf(i)));
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
        } catch (SdkException e) {
            throw failure("list", e);
        }
        out.sort(java.util.Comparator.comparing(RegistryEntry::app));
        return out;
    }

    /** Every change of the application, oldest first. */
    public List<AuditRecord> history(String app) {
        List<AuditRecord> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        try {
            do {
                Map<String, AttributeValue> from = start;
                QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
                        .keyConditionExpression("app = :a AND begins_with(sk, :p)")
                        .expressionAttributeValues(Map.of(":a", s(app), ":p", s(AUDIT))));
                page.items().forEach(i -> out.add(auditOf(i)));
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
        } catch (SdkException e) {
            throw failure("read the history from", e);
        }
        return out;
    }

    /**
     * Records what one application instance runs in and owes (an unconditional put: each instance owns its report, in the
     * {@code clients#<app>} key space). Its time is the registry's clock, as far as this process knows it, so that the
     * gate judges silence on one clock, not on each instance's.
     */
    public void report(ClientReport r) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("app", s(CLIENTS + r.app()));
        item.put("sk", s(r.instance()));
        item.put("instance", s(r.instance()));
        item.put("phase", s(r.phase().name()));
        item.put("version", n(r.version()));
        item.put("pendingSource", n(r.pendingSource()));
        item.put("pendingTarget", n(r.pendingTarget()));
        item.put("secondaryFailures", n(r.secondaryFailures()));
        item.put("shadowMismatches", n(r.shadowMismatches()));
        item.put("at", s(now().toString()));
        try {
            observeClock(client.putItem(b -> b.tableName(table).item(item)));
        } catch (SdkException e) {
            throw failure("report to", e);
        }
    }

    /** The last report of every instance of the application that reported and was not forgotten. */
    public List<ClientReport> clients(String app) {
        List<ClientReport> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        try {
            do {
                Map<String, AttributeValue> from = start;
                QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true).exclusiveStartKey(from)
                        .keyConditionExpression("app = :a").expressionAttributeValues(Map.of(":a", s(CLIENTS + app))));
                observeClock(page);
                for (Map<String, AttributeValue> i : page.items()) {
                    out.add(new ClientReport(app, str(i, "instance"), Phase.valueOf(str(i, "phase")), num(i, "version"),
                            num(i, "pendingSource"), num(i, "pendingTarget"), num(i, "secondaryFailures"), num(i, "shadowMismatches"),
                            str(i, "at")));
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            } while (start != null);
        } catch (SdkException e) {
            throw failure("read the clients from", e);
        }
        return out;
    }

    /**
     * Removes an instance's report, for an instance that is gone for good while its report still shows writes it owed
     * (the clients gate waits for it otherwise). One transaction with an entry change (same phase, next version) and its
     * audit record, so the removal is in the history with who did it and why.
     */
    public RegistryEntry forgetInstance(String app, long expectedVersion, String instance, String by, String reason) {
        RegistryEntry current = require(app);
        if (current.version() != expectedVersion) {
            throw conflict(current, expectedVersion);
        }
        ClientReport gone = clients(app).stream().filter(c -> c.instance().equals(instance)).findFirst().orElseThrow(() ->
                new CutoverException(ErrorCode.CONFIG_INVALID, "--instance: no report of '" + instance + "' for application '" + app
                        + "'; list them with 'cutover status --app " + app + "'"));
        RegistryEntry next = new RegistryEntry(app, current.phase(), current.activeSite(), current.source(), current.target(),
                current.stateDir(), current.verifyStateDir(), expectedVersion + 1, by, Instant.now().toString(), reason,
                current.reverseStateDir(), current.handoverTo());
        AuditRecord audit = new AuditRecord(app, next.version(), next.updatedAt(), by, "forget-instance", current.phase(),
                current.phase(), false, reason, Map.of("instance", instance, "pendingSource", Long.toString(gone.pendingSource()),
                        "pendingTarget", Long.toString(gone.pendingTarget()), "lastReport", String.valueOf(gone.at())),
                gone.pendingSource() + gone.pendingTarget() > 0 ? List.of("instance " + instance + " was removed while its last report"
                        + " said it owed " + (gone.pendingSource() + gone.pendingTarget()) + " writes: verify both sites") : List.of());
        commit(next, audit, "version = :expected", Map.of(":expected", n(expectedVersion)), expectedVersion,
                TransactWriteItem.builder().delete(d -> d.tableName(table).key(Map.of("app", s(CLIENTS + app), "sk", s(instance)))).build());
        return next;
    }

    /** The registry's clock as this process last measured it (our clock until a response carried a Date header). */
    public Instant now() {
        return Instant.now().plusMillis(clockOffsetMillis);
    }

    /** Whether {@link #now} is measured on the registry's clock yet (a response with a Date header was seen). */
    public boolean clockKnown() {
        return clockKnown;
    }

    private void observeClock(software.amazon.awssdk.services.dynamodb.model.DynamoDbResponse response) {
        try {
            var http = response.sdkHttpResponse();
            if (http == null) {
                return;
            }
            http.firstMatchingHeader("Date").ifPresent(d -> {
                long server = java.time.ZonedDateTime.parse(d, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                // The header is whole seconds: the server's time lies in [server, server + 1000); take the middle.
                clockOffsetMillis = server + 500 - System.currentTimeMillis();
                clockKnown = true;
            });
        } catch (RuntimeException unparseable) {
            // keep the last offset: a missing or odd header must not fail a registry call
        }
    }

    private static long num(Map<String, AttributeValue> i, String name) {
        AttributeValue v = i.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    /**
     * Moves the application to {@code to}, if its version is still {@code expectedVersion}; records the
     * audit record in the same transaction. A {@link ErrorCode#CONFLICT} names who changed it first.
     */
    public RegistryEntry change(String app, long expectedVersion, Phase to, String by, String action, String reason, boolean forced,
                                Map<String, String> gates, List<String> warnings) {
        RegistryEntry current = require(app);
        if (current.version() != expectedVersion) {
            throw conflict(current, expectedVersion);
        }
        RegistryEntry next = new RegistryEntry(app, to, to.primary(), current.source(), current.target(), current.stateDir(),
                current.verifyStateDir(), expectedVersion + 1, by, Instant.now().toString(), reason, current.reverseStateDir());
        AuditRecord audit = new AuditRecord(app, next.version(), next.updatedAt(), by, action, current.phase(), to, forced, reason, gates,
                warnings);
        commit(next, audit, "version = :expected", Map.of(":expected", n(expectedVersion)), expectedVersion);
        return next;
    }

    /**
     * The first step of a handover of the site of record (docs/decisions/0101-fenced-handover.md): the phase stays, the
     * version moves on, and {@code handoverTo} tells every instance to stop starting writes until the next version. The
     * audit record's action is {@code action + "-fence"}; {@link #change} then makes the second step (or takes the entry
     * back to its phase, unfenced, when the handover is abandoned).
     */
    public RegistryEntry beginHandover(String app, long expectedVersion, Phase handoverTo, String by, String action, String reason) {
        RegistryEntry current = require(app);
        if (current.version() != expectedVersion) {
            throw conflict(current, expectedVersion);
        }
        RegistryEntry next = new RegistryEntry(app, current.phase(), current.activeSite(), current.source(), current.target(),
                current.stateDir(), current.verifyStateDir(), expectedVersion + 1, by, Instant.now().toString(), reason,
                current.reverseStateDir(), handoverTo);
        AuditRecord audit = new AuditRecord(app, next.version(), next.updatedAt(), by, action + "-fence", current.phase(), handoverTo,
                false, reason, null, List.of("writes fenced while the site of record moves from " + current.phase().primary() + " to "
                        + handoverTo.primary()));
        commit(next, audit, "version = :expected", Map.of(":expected", n(expectedVersion)), expectedVersion);
        return next;
    }

    private void commit(RegistryEntry entry, AuditRecord audit, String condition, Map<String, AttributeValue> values, long expected,
                        TransactWriteItem... more) {
        Put putEntry = Put.builder().tableName(table).item(itemOf(entry)).conditionExpression(condition)
                .expressionAttributeValues(values.isEmpty() ? null : values).build();
        Put putAudit = Put.builder().tableName(table).item(itemOf(audit)).conditionExpression("attribute_not_exists(app)").build();
        try {
            List<TransactWriteItem> items = new ArrayList<>(List.of(TransactWriteItem.builder().put(putEntry).build(),
                    TransactWriteItem.builder().put(putAudit).build()));
            items.addAll(List.of(more));
            client.transactWriteItems(b -> b.transactItems(items));
        } catch (TransactionCanceledException e) {
            boolean lostRace = !e.hasCancellationReasons() || e.cancellationReasons().stream().map(CancellationReason::code)
                    .anyMatch("ConditionalCheckFailed"::equals);
            if (!lostRace) {
                throw failure("write", e);
            }
            RegistryEntry now = get(entry.app()).orElse(null);
            if (now == null) {
                throw failure("write", e);
            }
            throw conflict(now, expected);
        } catch (SdkException e) {
            throw failure("write", e);
        }
    }

    private CutoverException conflict(RegistryEntry now, long expected) {
        String expectation = expected == 0 ? "it did not exist" : "you read version " + expected;
        return new CutoverException(ErrorCode.CONFLICT, "application '" + now.app() + "' was changed by " + now.updatedBy() + " at "
                + now.updatedAt() + ": it is now at version " + now.version() + ", phase " + now.phase() + " (" + expectation
                + "); look with 'cutover registry show --app " + now.app() + "' and decide again");
    }

    private static void requireApp(String app) {
        if (app == null || !app.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--app: '" + app
                    + "' is not an application id; use letters, digits, '.', '_' or '-' (at most 100)");
        }
    }

    private CutoverException failure(String what, SdkException e) {
        if (e instanceof ResourceNotFoundException) {
            return new CutoverException(ErrorCode.TABLE_NOT_FOUND, "the registry table " + table + " does not exist: create it with"
                    + " 'cutover registry register' (it creates the table) or check --registry-table", e);
        }
        ErrorCode code = e instanceof SdkClientException ? ErrorCode.ENDPOINT_UNREACHABLE : ErrorCode.REJECTED;
        return new CutoverException(code, "cannot " + what + " the registry table " + table + ": " + e.getMessage(), e);
    }

    // ---- item mapping ----

    private static Map<String, AttributeValue> itemOf(RegistryEntry e) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("app", s(e.app()));
        item.put("sk", s(ENTRY));
        item.put("phase", s(e.phase().name()));
        item.put("activeSite", s(e.activeSite().name()));
        item.put("version", n(e.version()));
        putEndpoint(item, "source", e.source());
        putEndpoint(item, "target", e.target());
        putIf(item, "stateDir", e.stateDir());
        putIf(item, "verifyStateDir", e.verifyStateDir());
        putIf(item, "reverseStateDir", e.reverseStateDir());
        putIf(item, "updatedBy", e.updatedBy());
        putIf(item, "updatedAt", e.updatedAt());
        putIf(item, "reason", e.reason());
        if (e.handoverTo() != null) {
            item.put("handoverTo", s(e.handoverTo().name()));
        }
        return item;
    }

    private static RegistryEntry entryOf(Map<String, AttributeValue> i) {
        return new RegistryEntry(str(i, "app"), Phase.valueOf(str(i, "phase")), Site.valueOf(str(i, "activeSite")), endpoint(i, "source"),
                endpoint(i, "target"), str(i, "stateDir"), str(i, "verifyStateDir"), Long.parseLong(i.get("version").n()),
                str(i, "updatedBy"), str(i, "updatedAt"), str(i, "reason"), str(i, "reverseStateDir"),
                str(i, "handoverTo") == null ? null : Phase.valueOf(str(i, "handoverTo")));
    }

    private static Map<String, AttributeValue> itemOf(AuditRecord a) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("app", s(a.app()));
        item.put("sk", s(AUDIT + String.format("%012d", a.version())));
        item.put("version", n(a.version()));
        item.put("action", s(a.action()));
        item.put("forced", AttributeValue.builder().bool(a.forced()).build());
        putIf(item, "at", a.at());
        putIf(item, "by", a.by());
        putIf(item, "fromPhase", a.from() == null ? null : a.from().name());
        putIf(item, "toPhase", a.to() == null ? null : a.to().name());
        putIf(item, "reason", a.reason());
        Map<String, AttributeValue> gates = new LinkedHashMap<>();
        a.gates().forEach((k, v) -> gates.put(k, s(v)));
        item.put("gates", AttributeValue.builder().m(gates).build());
        // The order of gates matters to people reading the history; a DynamoDB map keeps none.
        item.put("gateOrder", AttributeValue.builder().l(a.gates().keySet().stream().map(EndpointRegistry::s).toList()).build());
        item.put("warnings", AttributeValue.builder().l(a.warnings().stream().map(EndpointRegistry::s).toList()).build());
        return item;
    }

    private static AuditRecord auditOf(Map<String, AttributeValue> i) {
        Map<String, String> gates = new LinkedHashMap<>();
        Map<String, AttributeValue> stored = i.containsKey("gates") ? i.get("gates").m() : Map.of();
        if (i.containsKey("gateOrder")) {
            i.get("gateOrder").l().forEach(k -> gates.put(k.s(), stored.get(k.s()) == null ? "" : stored.get(k.s()).s()));
        }
        List<String> warnings = i.containsKey("warnings") ? i.get("warnings").l().stream().map(AttributeValue::s).toList() : List.of();
        String from = str(i, "fromPhase");
        String to = str(i, "toPhase");
        return new AuditRecord(str(i, "app"), Long.parseLong(i.get("version").n()), str(i, "at"), str(i, "by"), str(i, "action"),
                from == null ? null : Phase.valueOf(from), to == null ? null : Phase.valueOf(to),
                i.containsKey("forced") && Boolean.TRUE.equals(i.get("forced").bool()), str(i, "reason"), gates, warnings);
    }

    private static void putEndpoint(Map<String, AttributeValue> item, String side, StoreEndpoint e) {
        putIf(item, side + "Table", e.table());
        putIf(item, side + "EndpointUrl", e.endpointUrl());
        putIf(item, side + "Region", e.region());
    }

    private static StoreEndpoint endpoint(Map<String, AttributeValue> i, String side) {
        return new StoreEndpoint(str(i, side + "Table"), str(i, side + "EndpointUrl"), str(i, side + "Region"));
    }

    private static void putIf(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    private static String str(Map<String, AttributeValue> i, String name) {
        AttributeValue v = i.get(name);
        return v == null ? null : v.s();
    }

    private static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    private static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }
}
