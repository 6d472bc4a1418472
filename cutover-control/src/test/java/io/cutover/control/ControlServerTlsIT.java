package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.EndpointRegistry;
import io.cutover.core.CutoverException;
import io.cutover.local.LocalTables;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** serve --tls-cert/--tls-key: HTTPS from PEM files made here with the JDK's keytool (no openssl needed). */
class ControlServerTlsIT {
    private static final String TOKEN = "test-token-0123456789abcdef";

    @TempDir
    Path dir;

    private KeyStore keyStore() throws Exception {
        Path p12 = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "server", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void servesHttpsFromPemFilesAndRefusesPlainHttp() throws Exception {
        KeyStore ks = keyStore();
        Certificate cert = ks.getCertificate("server");
        Path certFile = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
        Path keyFile = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", ks.getKey("server", "changeit".toCharArray()).getEncoded()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(clientTls).connectTimeout(Duration.ofSeconds(5)).build();

        try (DynamoDbClient client = LocalTables.client(LocalTables.shared());
             VerifyRunner verifies = new VerifyRunner();
             ControlServer server = new ControlServer(new PhaseSwitcher(new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable(),
                     new SwitchGates(GateLimits.DEFAULTS, Clock.systemUTC())), verifies, TOKEN,
                     ControlServerSettings.loopback("127.0.0.1", 0).withTls(certFile, keyFile, false)).start()) {
            assertEquals("https", server.url().getScheme());
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(server.url().resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals("ok\n", health.body());
            String plain = server.url().toString().replace("https://", "http://") + "healthz";
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(java.net.URI.create(plain))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()), "plain HTTP gets no answer");
        }
    }

    @Test
    void unusableKeyFilesAreRefusedWithTheFix() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", keyStore().getCertificate("server").getEncoded()));
        Path pkcs1 = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        CutoverException e = assertThrows(CutoverException.class, () -> PemTlsContext.load(cert, pkcs1));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
        assertEquals(2, e.exitCode());
        Path encrypted = Files.writeString(dir.resolve("enc.pem"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertTrue(assertThrows(CutoverException.class, () -> PemTlsContext.load(cert, encrypted)).getMessage().contains("is encrypted"));
    }
}
