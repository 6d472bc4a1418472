package io.cutover.dynamodb.export;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An export under an S3 prefix, through the AWS SDK's S3 client (any S3-compatible server with
 * path-style addressing too). Opening, listing and putting go through the {@link RetryPolicy}; a read
 * that breaks mid-file is not resumed inside the file: the unit fails and resumes from its checkpoint.
 * A written file is staged in a local temporary file and put when its stream closes.
 */
public final class S3ExportStore implements ExportStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final RetryPolicy retry;
    private final ErrorClassifier errors;

    /** @param prefix the store's root inside the bucket, without a trailing slash; empty for the bucket's root */
    public S3ExportStore(S3Client s3, String bucket, String prefix, RetryPolicy retry, ErrorClassifier errors) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.retry = retry;
        this.errors = errors;
    }

    private String objectKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    @Override
    public String describe(String key) {
        return "s3://" + bucket + "/" + (key.isEmpty() ? prefix : objectKey(key));
    }

    @Override
    public boolean exists(String key) {
        try {
            retry.execute("HeadObject " + describe(key), a -> s3.headObject(b -> b.bucket(bucket).key(objectKey(key))), errors,
                    RetryListener.NONE);
            return true;
        } catch (CutoverException e) {
            if (e.getCause() instanceof software.amazon.awssdk.services.s3.model.S3Exception s3e && s3e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return retry.execute("GetObject " + describe(key), a -> s3.getObject(b -> b.bucket(bucket).key(objectKey(key))), errors,
                    RetryListener.NONE);
        } catch (CutoverException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                throw new CutoverException(ErrorCode.EXPORT_CORRUPT, "export file " + describe(key) + " is missing", e);
            }
            throw e;
        }
    }

    @Override
    public List<String> list(String under) {
        String p = objectKey(under);
        String listPrefix = p.isEmpty() ? "" : p + "/";
        List<String> keys = new ArrayList<>();
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(listPrefix).build();
        retry.execute("ListObjectsV2 " + describe(under), a -> {
            keys.clear();
            for (S3Object o : s3.listObjectsV2Paginator(request).contents()) {
                keys.add(prefix.isEmpty() ? o.key() : o.key().substring(prefix.length() + 1));
            }
            return null;
        }, errors, RetryListener.NONE);
        keys.sort(null);
        return keys;
    }

    @Override
    public OutputStream create(String key) {
        try {
            Path staged = Files.createTempFile("cutover-export-", ".part");
            OutputStream out = Files.newOutputStream(staged);
            return new java.io.FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    super.close();
                    try {
                        retry.execute("PutObject " + describe(key), a -> s3.putObject(b -> b.bucket(bucket).key(objectKey(key)),
                                RequestBody.fromFile(staged)), errors, RetryListener.NONE);
                    } finally {
                        Files.deleteIfExists(staged);
                    }
                }
            };
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot stage " + describe(key) + " in the temporary folder: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
