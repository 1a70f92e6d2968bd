package io.flagramp.analysis.cohort;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** Numbers in the judgements' lines and on the plugin's screen, rounded the way on-call reads them. */
public final class OnCallText {

  private OnCallText() {}

  /**
   * Decimals for the percentages of one rates line: two, or more when the larger rate is below 0.1%, so
   * that it keeps two significant digits (0.012%); every number of the line uses the same count.
   */
  public static int percentDecimals(double... rates) {
    double largest = 0;
    for (double rate : rates) {
      largest = Math.max(largest, Math.abs(rate));
    }
    if (largest == 0) {
      return 2;
    }
    int digits = 1 - (int) Math.floor(Math.log10(largest * 100));
    return Math.max(2, Math.min(6, digits));
  }

  /** 0.0051 as "0.51%". */
  public static String percent(double rate, int decimals) {
    return plain(rate * 100, decimals) + "%";
  }

  /** A difference of proportions in percentage points, signed: 0.0031 as "+0.31". */
  public static String points(double difference, int decimals) {
    return signed(difference * 100, decimals);
  }

  /** A relative change, signed: 0.18 as "+18%", 0.046 as "+4.6%". */
  public static String change(double relative) {
    if (relative == Double.POSITIVE_INFINITY) {
      return "+∞";
    }
    double percent = relative * 100;
    return signed(percent, Math.abs(percent) >= 9.95 ? 0 : 1) + "%";
  }

  /** The confidence as "95%" or "99.5%". */
  public static String confidence(double confidence) {
    return BigDecimal.valueOf(confidence * 100).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros()
        .toPlainString() + "%";
  }

  public static String count(long count) {
    return String.format(Locale.ROOT, "%,d", count);
  }

  /** Rounded to the decimals; BigDecimal has no negative zero, so -0.001 reads "0.00". */
  private static String plain(double value, int decimals) {
    return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
  }

  private static String signed(double value, int decimals) {
    BigDecimal rounded = BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_EVEN);
    return rounded.signum() > 0 ? "+" + rounded.toPlainString() : rounded.toPlainString();
  }
}
