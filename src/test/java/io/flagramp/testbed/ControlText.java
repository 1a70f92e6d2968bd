package io.flagramp.testbed;

import java.util.Set;

/**
 * Text that would take over a terminal or forge a log line if it were printed as it is, and a count of
 * what of it got through. The definition of a control character here is the tests' own, not the
 * operator's, so that a character the operator forgets is caught.
 */
public final class ControlText {

  /**
   * Clears the screen and retitles the window (ESC), rings the bell (BEL), returns to the start of the
   * line and begins new ones (CR, LF) that look like the tool's own, NUL, backspace, DEL, the 8-bit CSI
   * (a C1 control), reverses what follows (U+202E, U+2066) and breaks the line the Unicode way (U+2028).
   * 63 characters: it fits every bounded string it is put in (a blocked window's reason has 128).
   */
  public static final String HOSTILE = "x\u001b[2J\u001b]0;owned\u0007\rFAKE\nFAKE line\u0000\b\u007f"
      + "\u009b31m\u202etxt.exe\u2066\u2028end";

  /** Bidirectional formatting characters: they reorder what a terminal shows. */
  private static final Set<Integer> BIDI = Set.of(0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
      0x2066, 0x2067, 0x2068, 0x2069);

  private ControlText() {}

  /** Whether {@code cp} changes what a terminal shows or where a line ends, rather than being shown. */
  public static boolean isControl(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
        || BIDI.contains(cp);
  }

  /** The control characters in {@code text}, but for the line feeds between its lines. */
  public static long count(String text) {
    return text.codePoints().filter(cp -> cp != '\n' && isControl(cp)).count();
  }

  /** How many of {@code text}'s characters are {@code cp}. */
  public static long count(String text, int cp) {
    return text.codePoints().filter(c -> c == cp).count();
  }

  /** "3 ESC, 1 BEL, 1 CR, 4 other": for a test's log line. */
  public static String describe(String text) {
    long esc = count(text, 0x1b);
    long bel = count(text, 0x07);
    long cr = count(text, '\r');
    return esc + " ESC, " + bel + " BEL, " + cr + " CR, " + (count(text) - esc - bel - cr) + " other";
  }
}
