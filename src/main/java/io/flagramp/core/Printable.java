package io.flagramp.core;

/**
 * Text as it may reach a terminal or a line of the text log: every character that would act instead of
 * being shown is shown as an escape. Whoever writes a ScalingChange, a flag's ConfigMap, an annotation,
 * or runs the Prometheus a change queries chooses strings the operator and {@code kubectl flagramp}
 * print; escaped, none of them can move the cursor, clear the screen, retitle the window, ring the bell,
 * start a line that looks like the tool's own, or reorder what follows.
 *
 * <p>The escapes, as {@code printf(1)} and C write them: {@code \a \b \t \n \v \f \r \e} for BEL, BS,
 * TAB, LF, VT, FF, CR and ESC; <code>&#92;x00</code>..<code>&#92;x1f</code> for the other C0 controls and
 * <code>&#92;x7f</code> for DEL; <code>&#92;u</code> and four hex digits for the C1 controls (U+0080..U+009F;
 * U+009B is an 8-bit CSI to some terminals), for the bidirectional formatting characters (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069), which reorder what a terminal shows, and for the Unicode line
 * and paragraph separators U+2028 and U+2029, which some viewers break lines at. Everything else is left
 * as it is, backslashes too: the result is for reading, not for parsing back. (&amp;#92; is a backslash
 * in this comment: Java reads a backslash, u and four hex digits as the character even in a comment.)
 */
public final class Printable {

  private Printable() {}

  /** {@code text} with its control characters escaped; the same string when it has none; null stays null. */
  public static String escape(String text) {
    if (text == null || isPrintable(text, 0)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    append(text, out);
    return out.toString();
  }

  /** Whether {@code text} from {@code from} on has no character that {@link #escape} would change. */
  public static boolean isPrintable(CharSequence text, int from) {
    for (int i = from; i < text.length(); i++) {
      if (isControl(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Appends {@code text} to {@code out}, escaped. */
  public static void append(CharSequence text, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isControl(c)) {
        out.append(c);
        continue;
      }
      switch (c) {
        case 0x07 -> out.append("\\a");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case 0x0b -> out.append("\\v");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        case 0x1b -> out.append("\\e");
        default -> out.append(c < 0x80 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
      }
    }
  }

  /** The characters {@link #escape} escapes. None is a surrogate, so text is read one char at a time. */
  static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f)
        || c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
        || c == 0x2028 || c == 0x2029;
  }
}
