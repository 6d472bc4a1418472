package io.cutover.control;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token of {@code cutover serve}: from the environment ({@code CUTOVER_TOKEN}), or from a
 * token file, which is created with a fresh random token (owner read/write only) when absent. The
 * token itself is never printed or logged; only the file's path is.
 */
public final class ApiToken {
    public static final String ENV = "CUTOVER_TOKEN";

    /** The token, and whether it was just generated into {@code file}. */
    public record Loaded(String token, Path file, boolean generated) {
        @Override
        public String toString() {
            return "ApiToken[file=" + file + ", generated=" + generated + "]"; // never the token
        }
    }

    private ApiToken() {
    }

    public static Loaded load(String fromEnv, Path file) {
        if (fromEnv != null && !fromEnv.isBlank()) {
            if (fromEnv.trim().length() < 16) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, ENV + " must hold at least 16 characters");
            }
            return new Loaded(fromEnv.trim(), null, false);
        }
        try {
            if (Files.exists(file)) {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (t.length() < 16) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, "--token-file " + file + " must hold a token of at least 16"
                            + " characters; delete it to have a new one generated");
                }
                return new Loaded(t, file, false);
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String t = HexFormat.of().formatHex(random);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
            Files.writeString(file, t + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            return new Loaded(t, file, true);
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot read or create --token-file " + file + ": " + e.getMessage(), e);
        }
    }
}
