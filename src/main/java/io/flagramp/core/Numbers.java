package io.flagramp.core;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Metric values as people read them: 4 significant digits, no exponent, no trailing zeros. */
public final class Numbers {

  private static final MathContext FOUR = new MathContext(4, RoundingMode.HALF_EVEN);

  private Numbers() {}

  public static String format(double value) {
    if (value == 0) {
      return "0";
    }
    if (Math.abs(value) >= 1000) {
      return Long.toString(Math.round(value));
    }
    return new BigDecimal(value).round(FOUR).stripTrailingZeros().toPlainString();
  }
}
