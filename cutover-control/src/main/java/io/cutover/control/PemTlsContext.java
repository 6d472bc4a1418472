package io.cutover.control;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The TLS context of {@code cutover serve --tls-cert FILE --tls-key FILE}: PEM files, read with the JDK alone. */
final class PemTlsContext {
    private PemTlsContext() {
    }

    static SSLContext load(Path certFile, Path keyFile) {
        try {
            Certificate[] chain;
            try (InputStream in = Files.newInputStream(certFile)) {
                Collection<? extends Certificate> certs = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
                chain = certs.toArray(Certificate[]::new);
            }
            if (chain.length == 0) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--tls-cert " + certFile + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }
            PrivateKey key = privateKey(keyFile);
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("cutover", key, password, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, new SecureRandom());
            return context;
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot read --tls-cert " + certFile + " or --tls-key " + keyFile + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--tls-cert " + certFile + " and --tls-key " + keyFile
                    + " are not a usable PEM certificate and key: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        if (pem.contains("ENCRYPTED PRIVATE KEY")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--tls-key " + file + " is encrypted: give an unencrypted PKCS#8 key"
                    + " (openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem) readable by this user only");
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--tls-key " + file + " is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException | java.security.NoSuchAlgorithmException wrongAlgorithm) {
                // try the next
            }
        }
        throw new CutoverException(ErrorCode.CONFIG_INVALID, "--tls-key " + file + " holds a key that is not RSA, EC or EdDSA");
    }
}
