package io.flagramp.api.v1alpha1;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Length limits of status strings. The schema bounds every string, so each one the operator writes is
 * cut to its bound here, where it is set: a status write must never be refused for a long message
 * (an abort reason can be as long as an annotation).
 */
public final class Text {

  /** lastDecision, condition messages, history verdicts. */
  public static final int DECISION = 4096;
  /** A metric's message. */
  public static final int MESSAGE = 1024;
  /** An annotation value kept in status.lastHandled. */
  public static final int HANDLED = 256;
  /** A name such as a field manager's. */
  public static final int NAME = 256;
  /** RFC 3339 timestamps, ids and other short words. */
  public static final int SHORT = 64;

  private Text() {}

  /** {@code text} cut to {@code max} characters, ending in an ellipsis when it was cut. */
  public static String cap(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max - 1) + "…";
  }

  /**
   * An annotation value as status keeps it: itself when short, a digest when long, so that a value
   * seen again is still recognised as handled.
   */
  public static String handled(String value) {
    if (value == null || value.length() <= HANDLED) {
      return value;
    }
    try {
      return "sha256:" + HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
