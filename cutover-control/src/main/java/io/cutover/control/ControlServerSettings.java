package io.cutover.control;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * How {@code cutover serve} faces the network, validated once: where it listens, which {@code Host}
 * names it answers to (DNS rebinding), TLS, and the limits that keep a slow or hostile client from
 * starving a rollback. See docs/decisions/0080-control-plane-hardening.md.
 *
 * @param bindHost          address to listen on
 * @param port              port, 0 for any free one
 * @param allowedHosts      host names (lower case, no port) accepted in the {@code Host} header besides
 *                          {@code localhost} and IP literals
 * @param tlsCert           PEM certificate chain, or null for plain HTTP
 * @param tlsKey            PEM private key (PKCS#8, unencrypted), or null
 * @param insecureHttp      the user accepts plain HTTP on a non-loopback address
 * @param threads           request threads
 * @param reservedForChanges threads that reads may never take: state changes (switch, rollback) always find one
 * @param expensiveReadsPerSecond registry scans and dead-letter reads allowed per second (burst: twice that)
 * @param maxBodyBytes      largest request body accepted
 * @param requestTime       longest time a client may take to send a request (headers and body)
 * @param responseTime      longest time a client may take to read a response
 * @param maxHeaderBytes    largest request header block
 */
public record ControlServerSettings(String bindHost, int port, Set<String> allowedHosts, Path tlsCert, Path tlsKey, boolean insecureHttp,
                                    int threads, int reservedForChanges, double expensiveReadsPerSecond, int maxBodyBytes,
                                    Duration requestTime, Duration responseTime, int maxHeaderBytes) {
    public static final int DEFAULT_THREADS = 16;
    public static final int DEFAULT_RESERVED = 4;
    public static final double DEFAULT_EXPENSIVE_READS_PER_SECOND = 10;
    public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

    public ControlServerSettings {
        allowedHosts = Set.copyOf(new TreeSet<>(allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList()));
        List<String> problems = new ArrayList<>();
        if (port < 0 || port > 65535) {
            problems.add("--port must be between 0 and 65535, was " + port);
        }
        for (String h : allowedHosts) {
            if (!h.matches("[a-z0-9]([a-z0-9-]{0,62}\\.?)*")) {
                problems.add("--allowed-host: '" + h + "' is not a host name (letters, digits, '-' and '.', no port)");
            }
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            problems.add("--tls-cert and --tls-key go together: pass both PEM files, or neither");
        }
        if (tlsCert != null && insecureHttp) {
            problems.add("--insecure-http contradicts --tls-cert: pass one of them");
        }
        if (threads < 2 || threads > 256) {
            problems.add("the request threads must be between 2 and 256, was " + threads);
        }
        if (reservedForChanges < 1 || reservedForChanges >= threads) {
            problems.add("the threads reserved for state changes must be at least 1 and fewer than the " + threads + " request threads, was "
                    + reservedForChanges);
        }
        if (!(expensiveReadsPerSecond > 0)) {
            problems.add("the expensive reads per second must be more than 0, was " + expensiveReadsPerSecond);
        }
        if (maxBodyBytes < 1024 || maxBodyBytes > 1024 * 1024) {
            problems.add("the largest request body must be between 1 KiB and 1 MiB, was " + maxBodyBytes);
        }
        if (maxHeaderBytes < 1024) {
            problems.add("the largest header block must be at least 1 KiB, was " + maxHeaderBytes);
        }
        if (requestTime.isNegative() || requestTime.isZero() || responseTime.isNegative() || responseTime.isZero()) {
            problems.add("the request and response times must be positive");
        }
        if (problems.isEmpty() && tlsCert == null && !insecureHttp && !isLoopback(bindHost)) {
            problems.add("--bind " + bindHost + " reaches beyond this machine, and the bearer token would cross the network in clear text:"
                    + " pass --tls-cert FILE --tls-key FILE (PEM), or --insecure-http to accept that");
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    /** Loopback only, plain HTTP, default limits: what tests and {@code cutover serve} without flags use. */
    public static ControlServerSettings loopback(String bindHost, int port) {
        return new ControlServerSettings(bindHost, port, Set.of(), null, null, false, DEFAULT_THREADS, DEFAULT_RESERVED,
                DEFAULT_EXPENSIVE_READS_PER_SECOND, DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(10), Duration.ofSeconds(30), DEFAULT_MAX_HEADER_BYTES);
    }

    public ControlServerSettings withAllowedHosts(Set<String> hosts) {
        return new ControlServerSettings(bindHost, port, hosts, tlsCert, tlsKey, insecureHttp, threads, reservedForChanges,
                expensiveReadsPerSecond, maxBodyBytes, requestTime, responseTime, maxHeaderBytes);
    }

    public ControlServerSettings withTls(Path cert, Path key, boolean insecure) {
        return new ControlServerSettings(bindHost, port, allowedHosts, cert, key, insecure, threads, reservedForChanges,
                expensiveReadsPerSecond, maxBodyBytes, requestTime, responseTime, maxHeaderBytes);
    }

    public ControlServerSettings withLimits(int threadCount, int reserved, double expensivePerSecond) {
        return new ControlServerSettings(bindHost, port, allowedHosts, tlsCert, tlsKey, insecureHttp, threadCount, reserved,
                expensivePerSecond, maxBodyBytes, requestTime, responseTime, maxHeaderBytes);
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /** True when the server is reachable from other machines and speaks plain HTTP (the user passed --insecure-http). */
    public boolean exposedInClearText() {
        return tlsCert == null && !isLoopback(bindHost);
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
