package io.cutover.dynamodb.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.CopyResult;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbExporter;
import io.cutover.dynamodb.ExportLoader;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.S3ProxyServer;
import io.cutover.local.SampleItems;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Export files under an S3 prefix, against S3Proxy (an S3-compatible server from Maven Central, in-memory "transient"
 * backend) run as a child process: {@code cutover export} to S3, {@code copy --from-export s3://...}, a damaged object.
 */
class S3ExportIT {
    static S3ProxyServer s3proxy;
    static URI endpoint;
    static S3Client s3;
    static LocalDynamoDb db;
    static DynamoDbClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start(@TempDir Path conf) throws Exception {
        s3proxy = S3ProxyServer.start(conf);
        endpoint = s3proxy.endpoint();
        s3 = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("cutover", "cutover"))).build();
        s3.createBucket(b -> b.bucket("exports"));
        db = LocalTables.shared();
        client = LocalTables.client(db);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (s3 != null) {
            s3.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    static DynamoDbEndpoint s3Side() {
        return new DynamoDbEndpoint("export", Optional.of(endpoint), Optional.of("us-east-1"), Optional.empty());
    }

    private ExportResult export(String table, String to, ExportFormat format) {
        try (DynamoDbExporter e = new DynamoDbExporter(new DynamoDbExporter.Settings(DynamoDbEndpoint.local("source", db.endpoint()), table,
                ExportLocation.parse("--to", to), s3Side(), format, Optional.of(3), 3, 0, 1000), CopyProgress.NONE)) {
            return e.run();
        }
    }

    private CopyResult load(String target, String from) {
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target",
                db.endpoint())).table(target, target).stateDir(dir.resolve("state-" + target)).build();
        try (ExportLoader loader = new ExportLoader(settings, target, ExportLocation.parse("--from-export", from), s3Side(), CopyProgress.NONE)) {
            return loader.run();
        }
    }

    @Test
    void exportToS3AndLoadFromS3GiveAnIdenticalTable() {
        String src = LocalTables.uniqueName("s3-exp");
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 5_020, new SampleItems(51, 0)::item);
        for (ExportFormat format : ExportFormat.values()) {
            String prefix = "s3://exports/" + src + "/" + format.name().toLowerCase();
            ExportResult exported = export(src, prefix, format);
            assertEquals(5_020, exported.items());
            assertTrue(exported.location().startsWith(prefix + "/AWSDynamoDB/"), exported.location());
            String dst = src + "-" + format.name().toLowerCase().replace('_', '-');
            LocalTables.create(client, SampleItems.plainTable(dst));
            CopyResult loaded = load(dst, prefix);
            assertEquals(5_020, loaded.items());
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), cmp.toString());
        }
    }

    @Test
    void aTruncatedObjectIsNamedByItsS3Uri() {
        String src = LocalTables.uniqueName("s3-bad");
        LocalTables.create(client, SampleItems.plainTable(src));
        LocalTables.load(client, src, 600, new SampleItems(52, 0, false)::item);
        String prefix = "s3://exports/" + src;
        ExportResult exported = export(src, prefix, ExportFormat.DYNAMODB_JSON);
        String folderKey = exported.location().substring("s3://exports/".length());
        List<String> data = s3.listObjectsV2(b -> b.bucket("exports").prefix(folderKey + "/data/")).contents().stream()
                .map(o -> o.key()).sorted().toList();
        String victim = data.get(1);
        byte[] whole = s3.getObjectAsBytes(b -> b.bucket("exports").key(victim)).asByteArray();
        s3.putObject(b -> b.bucket("exports").key(victim), RequestBody.fromBytes(Arrays.copyOf(whole, whole.length - 20)));
        String dst = src + "-load";
        LocalTables.create(client, SampleItems.plainTable(dst));
        CutoverException e = assertThrows(CutoverException.class, () -> load(dst, prefix));
        assertEquals(ErrorCode.EXPORT_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("s3://exports/" + victim), e.getMessage());
    }
}
