package io.cutover.core;

import java.util.regex.Pattern;

/**
 * Keeps passwords out of messages: every {@code scheme://user:password@host} in a text becomes
 * {@code scheme://user:***@host}, and {@code scheme://user@host} keeps only the user.
 *
 * <p>A password is not always percent-encoded: it may hold {@code /}, {@code @} or {@code :}, and a
 * URI parser then finds no host, a wrong host, or a wrong port. So the mask does not parse: the user
 * info runs to the last {@code @} of the whitespace- or quote-delimited word that starts with the
 * scheme. That may hide more than the password (never less).
 */
public final class SecretMask {
    private static final Pattern USER_INFO =
            Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^:@/\\s'\"]*)(?::[^\\s'\"]*)?@(?=[^@\\s'\"]*(?:[\\s'\"]|$))");

    private SecretMask() {
    }

    /**
     * One URI given as a whole value (a {@code --source} flag): its user info runs to the value's last
     * {@code @}, so a password may hold anything, spaces included.
     */
    public static String uri(String value) {
        if (value == null) {
            return null;
        }
        int scheme = value.indexOf("://");
        int at = value.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uris(value);
        }
        String info = value.substring(scheme + 3, at);
        int colon = info.indexOf(':');
        return value.substring(0, scheme + 3) + (colon < 0 ? info : info.substring(0, colon) + ":***") + value.substring(at);
    }

    /** {@code text} with the password of every URI in it replaced by {@code ***}; null stays null. */
    public static String uris(String text) {
        if (text == null || !text.contains("@")) {
            return text;
        }
        return USER_INFO.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1) + m.group(2) + (m.group(0).indexOf(':', m.group(1).length()) >= 0 ? ":***@" : "@")));
    }
}
