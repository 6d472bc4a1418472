package io.cutover.sql.store;

import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Which characters a column's character set holds, for {@link ColumnLimits}: MariaDB/MySQL name a character set per column
 * ({@code information_schema.columns.character_set_name}), PostgreSQL one per database (its server encoding). A string
 * with a character the set cannot hold is refused before the write: MariaDB outside strict mode stores such a character as
 * {@code '?'}, in strict mode it refuses the statement with "Incorrect string value", and PostgreSQL refuses it with a
 * conversion error (and never holds U+0000 in text). Stateless, thread-safe.
 */
final class CharacterSets {
    /** MySQL/MariaDB character sets with a Java equivalent that encodes exactly the same characters. */
    private static final Map<String, String> MARIADB = Map.ofEntries(Map.entry("latin2", "ISO-8859-2"), Map.entry("latin5", "ISO-8859-9"),
            Map.entry("latin7", "ISO-8859-13"), Map.entry("greek", "ISO-8859-7"), Map.entry("hebrew", "ISO-8859-8"),
            Map.entry("cp1250", "windows-1250"), Map.entry("cp1251", "windows-1251"), Map.entry("cp1256", "windows-1256"),
            Map.entry("cp1257", "windows-1257"), Map.entry("koi8r", "KOI8-R"), Map.entry("koi8u", "KOI8-U"), Map.entry("cp850", "IBM850"),
            Map.entry("cp866", "IBM866"), Map.entry("sjis", "Shift_JIS"), Map.entry("ujis", "EUC-JP"), Map.entry("euckr", "EUC-KR"),
            Map.entry("gb2312", "GB2312"), Map.entry("gbk", "GBK"), Map.entry("big5", "Big5"), Map.entry("tis620", "TIS-620"));
    /** PostgreSQL server encodings with a Java equivalent. */
    private static final Map<String, String> POSTGRES = Map.ofEntries(Map.entry("LATIN1", "ISO-8859-1"), Map.entry("LATIN2", "ISO-8859-2"),
            Map.entry("LATIN5", "ISO-8859-9"), Map.entry("LATIN7", "ISO-8859-13"), Map.entry("LATIN9", "ISO-8859-15"),
            Map.entry("ISO_8859_5", "ISO-8859-5"), Map.entry("ISO_8859_7", "ISO-8859-7"), Map.entry("ISO_8859_8", "ISO-8859-8"),
            Map.entry("WIN1250", "windows-1250"), Map.entry("WIN1251", "windows-1251"), Map.entry("WIN1252", "windows-1252"),
            Map.entry("WIN1256", "windows-1256"), Map.entry("WIN1257", "windows-1257"), Map.entry("KOI8R", "KOI8-R"),
            Map.entry("KOI8U", "KOI8-U"), Map.entry("EUC_JP", "EUC-JP"), Map.entry("EUC_KR", "EUC-KR"), Map.entry("EUC_CN", "GB2312"));
    /** MySQL's latin1 is Windows-1252 with the five code points 1252 leaves undefined mapped to the C1 controls. */
    private static final Set<Integer> LATIN1_EXTRA = Set.of(0x81, 0x8D, 0x8F, 0x90, 0x9D);

    private CharacterSets() {
    }

    /**
     * The characters (code points) that a column of character set {@code name} holds, or null when every character fits or
     * the set is not known here (then nothing is checked).
     */
    static IntPredicate holds(String name, boolean postgres) {
        if (name == null) {
            return null;
        }
        if (postgres) {
            String n = name.toUpperCase(Locale.ROOT);
            if (n.equals("UTF8") || n.equals("SQL_ASCII")) {
                return cp -> cp != 0; // PostgreSQL text never holds U+0000
            }
            IntPredicate java = java(POSTGRES.get(n));
            return java == null ? cp -> cp != 0 : cp -> cp != 0 && java.test(cp);
        }
        String n = name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "utf8mb4", "utf16", "utf16le", "utf32", "binary" -> null;
            case "utf8", "utf8mb3", "ucs2" -> cp -> cp <= 0xFFFF; // no 4-byte UTF-8 sequences: no emoji, no supplementary planes
            case "ascii" -> cp -> cp < 0x80;
            case "latin1" -> {
                IntPredicate cp1252 = java("windows-1252");
                yield cp -> cp1252.test(cp) || LATIN1_EXTRA.contains(cp);
            }
            default -> java(MARIADB.get(n));
        };
    }

    private static IntPredicate java(String charset) {
        if (charset == null || !Charset.isSupported(charset)) {
            return null;
        }
        Charset c = Charset.forName(charset);
        ThreadLocal<CharsetEncoder> encoder = ThreadLocal.withInitial(c::newEncoder);
        return cp -> encoder.get().canEncode(new String(Character.toChars(cp)));
    }

    /**
     * The index (in code points) of the first character of {@code text} that {@code holds} refuses, or of an unpaired
     * surrogate (no character set holds one); -1 when every character is held.
     */
    static int firstUnheld(String text, IntPredicate holds) {
        int index = 0;
        for (int i = 0; i < text.length(); index++) {
            int cp = text.codePointAt(i);
            if (cp <= 0xFFFF && Character.isSurrogate((char) cp) || holds != null && !holds.test(cp)) {
                return index;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }
}
