package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.retry.ErrorClassifier;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An archive under an S3 prefix (decision 0170). S3 has no rename, so the order is what keeps a reader safe: each file is
 * written to a local temporary file, put whole (one PutObject, checked by size afterwards), and only then named by a new
 * manifest object, which is put last; a reader checks every file it uses against the manifest's size and SHA-256, so
 * objects a crashed run put but never named are ignored and pruned later. Deletes happen only after the manifest that
 * no longer names them is in place.
 *
 * <p>The writer lock is the object {@code .lock}, created with a conditional put ({@code If-None-Match: *}: S3 since
 * 2024, and servers that implement it) that fails while another holder has it; it is read back to check the token, so a
 * server that ignores the condition is caught in all but a narrow race (docs/restore.md). A holder killed with
 * {@code kill -9} leaves the object behind: the next writer waits {@link #LOCK_WAIT} and then stops, naming the object,
 * the holder and since when, so that the operator deletes it.
 *
 * <p>Threading: every method may be called from several threads at once.
 */
public final class S3ArchiveStore implements ArchiveStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3ArchiveStore.class);
    static final String LOCK = ".lock";
    static final Duration LOCK_WAIT = Duration.ofMinutes(10);
    private static final ConcurrentHashMap<String, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final RetryPolicy retry;
    private final ErrorClassifier errors;
    private final Duration lockWait;

    /** @param prefix the archive's root inside the bucket, without a trailing slash; empty for the bucket's root */
    public S3ArchiveStore(S3Client s3, String bucket, String prefix, RetryPolicy retry, ErrorClassifier errors, Duration lockWait) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.retry = retry;
        this.errors = errors;
        this.lockWait = lockWait;
    }

    private String key(String name) {
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    @Override
    public String location() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    @Override
    public String describe(String name) {
        return "s3://" + bucket + "/" + key(name);
    }

    @Override
    public void create() {
        // a prefix needs no creating; a missing bucket is named by the first put
    }

    /** The object is not there; a missing bucket is not that (its own REJECTED message names NoSuchBucket). */
    private static boolean notFound(CutoverException e) {
        return e.getCause() instanceof S3Exception s && s.statusCode() == 404
                && (s.awsErrorDetails() == null || !"NoSuchBucket".equals(s.awsErrorDetails().errorCode()));
    }

    @Override
    public InputStream open(String name) throws IOException {
        try {
            return retry.execute("GetObject " + describe(name), a -> s3.getObject(b -> b.bucket(bucket).key(key(name))), errors,
                    RetryListener.NONE);
        } catch (CutoverException e) {
            if (notFound(e)) {
                throw new NoSuchFileException(describe(name));
            }
            throw e;
        }
    }

    @Override
    public Optional<byte[]> read(String name) {
        try {
            return Optional.of(retry.execute("GetObject " + describe(name), a -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(name)))
                    .asByteArray(), errors, RetryListener.NONE));
        } catch (CutoverException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void replace(String name, byte[] bytes) {
        retry.execute("PutObject " + describe(name), a -> s3.putObject(b -> b.bucket(bucket).key(key(name)), RequestBody.fromBytes(bytes)),
                errors, RetryListener.NONE);
    }

    @Override
    public Path stage(String name) {
        try {
            return Files.createTempFile("cutover-archive-", "-" + name + ".partial");
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot stage " + describe(name) + " in the temporary folder ("
                    + e.getMessage() + "): is java.io.tmpdir writable, with room for one archive file?", e);
        }
    }

    @Override
    public void publish(String name, Path staged) {
        try {
            long size = Files.size(staged);
            retry.execute("PutObject " + describe(name), a -> s3.putObject(b -> b.bucket(bucket).key(key(name)).contentLength(size),
                    RequestBody.fromFile(staged)), errors, RetryListener.NONE);
            // A manifest must never name an object that is not all there: check the stored size before it can.
            long stored = head(name).map(HeadObjectResponse::contentLength).orElse(-1L);
            if (stored != size) {
                throw new CutoverException(ErrorCode.ARCHIVE_CORRUPT, describe(name) + " holds " + stored + " bytes after the upload of "
                        + size + ": the S3 endpoint did not store the whole file; run the command again");
            }
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read the staged " + staged + ": " + e.getMessage(), e);
        } finally {
            discard(staged);
        }
    }

    @Override
    public void discard(Path staged) {
        try {
            Files.deleteIfExists(staged);
        } catch (IOException e) {
            LOG.warn("cannot delete the staged file {}: {}", staged, e.getMessage());
        }
    }

    private Optional<HeadObjectResponse> head(String name) {
        try {
            return Optional.of(retry.execute("HeadObject " + describe(name), a -> s3.headObject(b -> b.bucket(bucket).key(key(name))), errors,
                    RetryListener.NONE));
        } catch (CutoverException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public long delete(String name) {
        Optional<HeadObjectResponse> h = head(name);
        if (h.isEmpty()) {
            return -1;
        }
        retry.execute("DeleteObject " + describe(name), a -> s3.deleteObject(b -> b.bucket(bucket).key(key(name))), errors, RetryListener.NONE);
        return h.get().contentLength();
    }

    @Override
    public List<String> list() {
        String root = prefix.isEmpty() ? "" : prefix + "/";
        List<String> names = new ArrayList<>();
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(root).delimiter("/").build();
        retry.execute("ListObjectsV2 " + location(), a -> {
            names.clear();
            for (S3Object o : s3.listObjectsV2Paginator(request).contents()) {
                names.add(o.key().substring(root.length()));
            }
            return null;
        }, errors, RetryListener.NONE);
        return names;
    }

    @Override
    public Lock lock() {
        ReentrantLock local = IN_JVM.computeIfAbsent(location(), l -> new ReentrantLock());
        try {
            if (!local.tryLock(lockWait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--archive " + location() + " is locked by another archive command"
                        + " in this process, not released within " + lockWait.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for the archive lock", e);
        }
        try {
            String token = UUID.randomUUID().toString();
            String body = "{\"holder\":\"" + holder() + "\",\"since\":\"" + Instant.now() + "\",\"token\":\"" + token + "\"}";
            long deadline = System.nanoTime() + lockWait.toNanos();
            long lastNote = System.nanoTime();
            while (!tryLock(body, token)) {
                String held = read(LOCK).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("(released meanwhile)");
                if (System.nanoTime() > deadline) {
                    throw new CutoverException(ErrorCode.STATE_CONFLICT, "--archive " + location() + " is locked by another archive command ("
                            + describe(LOCK) + ": " + held + ") and was not released within " + lockWait.toMinutes() + " min; if that process"
                            + " is gone (killed), delete the object (aws s3 rm " + describe(LOCK) + ") and run again");
                }
                if (System.nanoTime() - lastNote > TimeUnit.SECONDS.toNanos(30)) {
                    LOG.info("waiting for {}, held by {}", describe(LOCK), held);
                    lastNote = System.nanoTime();
                }
                sleep();
            }
            return () -> {
                try {
                    // delete only our own lock: one that outlived its wait and was deleted by hand may be another's now
                    if (read(LOCK).map(b -> new String(b, StandardCharsets.UTF_8).contains(token)).orElse(false)) {
                        delete(LOCK);
                    }
                } finally {
                    local.unlock();
                }
            };
        } catch (RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    /** One attempt: a conditional create of the lock object, then a read-back of its token (0170). */
    private boolean tryLock(String body, String token) {
        if (head(LOCK).isPresent()) {
            return false; // held: checked first for a server that ignores If-None-Match
        }
        try {
            s3.putObject(b -> b.bucket(bucket).key(key(LOCK)).ifNoneMatch("*"), RequestBody.fromString(body));
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false; // held (412), or another conditional put of it in flight (409)
            }
            throw errors.classify(e);
        } catch (RuntimeException e) {
            throw errors.classify(e);
        }
        return read(LOCK).map(b -> new String(b, StandardCharsets.UTF_8).contains(token)).orElse(false);
    }

    private static String holder() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return (host + " pid " + ProcessHandle.current().pid()).replace("\"", "");
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for the archive lock", e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
