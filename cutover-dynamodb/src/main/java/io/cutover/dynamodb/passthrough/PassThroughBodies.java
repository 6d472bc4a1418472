package io.cutover.dynamodb.passthrough;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Lets the copy send and receive DynamoDB JSON as bytes while the SDK does everything else
 * (credentials, SigV4, endpoints, the HTTP client): for a request that carries an {@link Exchange}
 * ({@link #EXCHANGE}, set per request with {@code overrideConfiguration(o -> o.putExecutionAttribute(...))}),
 * it replaces the marshalled body with the exchange's bytes and sets Content-Length to match, before
 * the SDK signs the request; and, when the exchange asks for it, it keeps a successful response's body
 * (checking the service's {@code x-amz-crc32} itself, and undoing gzip) and hands the SDK an empty
 * object to unmarshal. Requests without an exchange pass untouched, so one client serves both paths.
 * Error responses are never taken: the SDK unmarshals them into its exceptions, as for any request.
 *
 * <p>Thread-safe: it holds no state; each exchange belongs to one call. Decision 0220.
 */
public final class PassThroughBodies implements ExecutionInterceptor {
    public static final ExecutionAttribute<Exchange> EXCHANGE = new ExecutionAttribute<>("cutover.passThrough");
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.US_ASCII);
    private static final String CRC_HEADER = "x-amz-crc32";

    /**
     * One call's bytes: the request body to send (or null to send what the SDK marshalled), and, if
     * {@code captureResponse}, the response body once the call succeeded. Used by one thread at a time.
     */
    public static final class Exchange {
        private final byte[] requestBody;
        private final boolean captureResponse;
        private volatile boolean bodyReplaced;
        private volatile byte[] responseBody;
        private volatile int responseLength;
        private volatile Long expectedCrc;
        private volatile boolean gzipped;

        private Exchange(byte[] requestBody, boolean captureResponse) {
            this.requestBody = requestBody;
            this.captureResponse = captureResponse;
        }

        /** Sends {@code body} instead of the marshalled request. */
        public static Exchange sending(byte[] body) {
            return new Exchange(body, false);
        }

        /** Keeps the response body (a Scan page). */
        public static Exchange capturing() {
            return new Exchange(null, true);
        }

        /**
         * The response body: the first {@link #responseLength()} bytes of a buffer that belongs to the calling thread and is
         * reused by its next pass-through call, so read it before making another. Fails loudly when the interceptor is not on
         * the client that made the call.
         */
        public byte[] responseBody() {
            if (responseBody == null) {
                throw new CutoverException(ErrorCode.INTERNAL, "the pass-through interceptor did not see this call's response");
            }
            return responseBody;
        }

        public int responseLength() {
            return responseLength;
        }

        /** Fails loudly when the body was not replaced (the interceptor is not on the client). */
        public void checkSent() {
            if (!bodyReplaced) {
                throw new CutoverException(ErrorCode.INTERNAL, "the pass-through interceptor did not replace this call's body");
            }
        }
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Exchange ex = attributes.getAttribute(EXCHANGE);
        if (ex == null || ex.requestBody == null) {
            return context.requestBody();
        }
        byte[] body = ex.requestBody;
        return Optional.of(RequestBody.fromContentProvider(() -> new ByteArrayInputStream(body), body.length,
                "application/x-amz-json-1.0"));
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Exchange ex = attributes.getAttribute(EXCHANGE);
        if (ex == null || ex.requestBody == null) {
            return context.httpRequest();
        }
        ex.bodyReplaced = true;
        return context.httpRequest().toBuilder().putHeader("Content-Length", Integer.toString(ex.requestBody.length)).build();
    }

    /**
     * Each calling thread's buffer for response bodies, kept and grown as needed: a Scan page is about 1 MB, which on a
     * small heap is a "humongous" allocation for G1 (it goes straight to the old generation and starts collections);
     * allocated per page, it cost more CPU than it saved. The parser copies each item out of it.
     */
    private static final ThreadLocal<Buffer> BUFFER = ThreadLocal.withInitial(Buffer::new);

    private static final class Buffer {
        byte[] bytes = new byte[64 * 1024];

        /** Reads the whole body into {@link #bytes}; returns its length. */
        int read(InputStream in, String contentLength) throws IOException {
            int announced = -1;
            try {
                announced = contentLength == null ? -1 : Integer.parseInt(contentLength.trim());
            } catch (NumberFormatException e) {
                announced = -1;
            }
            if (announced >= 0) {
                ensure(announced);
                int n = in.readNBytes(bytes, 0, announced);
                if (n != announced) {
                    throw new IOException("a response ended after " + n + " of its " + announced + " bytes");
                }
                return n;
            }
            int n = 0;
            while (true) {
                if (n == bytes.length) {
                    ensure(n * 2);
                }
                int r = in.read(bytes, n, bytes.length - n);
                if (r < 0) {
                    return n;
                }
                n += r;
            }
        }

        private void ensure(int size) {
            if (bytes.length < size) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(size, bytes.length * 2));
            }
        }
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Exchange ex = attributes.getAttribute(EXCHANGE);
        SdkHttpResponse response = context.httpResponse();
        if (ex == null || !ex.captureResponse || !response.isSuccessful()) {
            return response;
        }
        // The SDK would check the CRC of the body it unmarshals, which is no longer the service's: check it here.
        ex.expectedCrc = response.firstMatchingHeader(CRC_HEADER).map(Long::parseLong).orElse(null);
        ex.gzipped = response.firstMatchingHeader("Content-Encoding").map(e -> e.equalsIgnoreCase("gzip")).orElse(false);
        return response.toBuilder().removeHeader(CRC_HEADER).removeHeader("Content-Encoding")
                .putHeader("Content-Length", Integer.toString(EMPTY_OBJECT.length)).build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Exchange ex = attributes.getAttribute(EXCHANGE);
        if (ex == null || !ex.captureResponse || !context.httpResponse().isSuccessful() || context.responseBody().isEmpty()) {
            return context.responseBody();
        }
        try (InputStream in = context.responseBody().get()) {
            Buffer buffer = BUFFER.get();
            int length = buffer.read(in, context.httpResponse().firstMatchingHeader("Content-Length").orElse(null));
            if (ex.expectedCrc != null) {
                CRC32 crc = new CRC32();
                crc.update(buffer.bytes, 0, length);
                if (crc.getValue() != ex.expectedCrc) {
                    // Retryable, as the SDK's own CRC mismatch is: the bytes were damaged on the way.
                    throw new CutoverException(ErrorCode.TRANSIENT, "a response's CRC32 " + crc.getValue()
                            + " differs from the service's " + ex.expectedCrc + ": damaged on the way");
                }
            }
            if (ex.gzipped) {
                byte[] plain = new GZIPInputStream(new ByteArrayInputStream(buffer.bytes, 0, length)).readAllBytes();
                ex.responseBody = plain;
                ex.responseLength = plain.length;
            } else {
                ex.responseBody = buffer.bytes;
                ex.responseLength = length;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(new ByteArrayInputStream(EMPTY_OBJECT));
    }
}
