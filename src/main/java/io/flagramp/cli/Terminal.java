package io.flagramp.cli;

import java.util.Map;

/**
 * Where the output goes: a terminal (colour, a screen redrawn in place) or a pipe or file (plain
 * text, a new frame only when something changed). NO_COLOR and TERM=dumb turn colour off; COLUMNS,
 * when set, widens the screen (it never narrows it below 80, the width everything is laid out for).
 */
record Terminal(boolean tty, boolean color, int width) {

  static final int WIDTH = 80;

  /** Not a terminal: what tests and pipes get. */
  static final Terminal PIPE = new Terminal(false, false, WIDTH);

  static Terminal detect(Map<String, String> env) {
    boolean tty = System.console() != null;
    boolean color = tty && !env.containsKey("NO_COLOR") && !"dumb".equals(env.get("TERM"));
    int width = WIDTH;
    try {
      width = Math.max(WIDTH, Math.min(200, Integer.parseInt(env.getOrDefault("COLUMNS", "80"))));
    } catch (NumberFormatException ignored) {
      // keep 80
    }
    return new Terminal(tty, color, width);
  }

  Style style() {
    return new Style(color);
  }

  /** Moves to the top left; a frame written after it overwrites the one before. */
  static final String HOME = "\u001b[H";
  /** Clears the rest of the line, or (with J) the rest of the screen. */
  static final String CLEAR_LINE = "\u001b[K";
  static final String CLEAR_BELOW = "\u001b[J";
  static final String CLEAR_SCREEN = "\u001b[2J";
}
