package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagTarget;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Whether a change's first step would lower a flag another change (or a person) left higher: the share
 * of users who have the flag now, read from its keys, against the first step's weight. Such a step waits
 * for a person's approval ({@link ApprovalGate}), and {@code kubectl flagramp lint} says so in advance.
 */
public final class Lowering {

  private Lowering() {}

  /** "the first step (weight 30) would lower P from 100 to 30, taking the flag away from 70% of users". */
  public static Optional<String> of(FlagTarget flag, Map<String, String> values, int firstWeight) {
    OptionalInt now = FlagFormat.of(flag).exposure(values);
    if (now.isEmpty() || now.getAsInt() <= firstWeight) {
      return Optional.empty();
    }
    return Optional.of("the first step (weight " + firstWeight + ") would lower " + flag.keys().get(0) + " from "
        + now.getAsInt() + " to " + firstWeight + ", taking the flag away from " + (now.getAsInt() - firstWeight)
        + "% of users");
  }

  /**
   * The share of users who have the flag as the keys say now: the percentage, or 0 when the enabled key
   * says it is off; empty when the percentage is missing or not a number.
   */
  static OptionalInt exposure(FlagTarget flag, Map<String, String> values) {
    String pct = values.get(flag.getPercentageKey());
    if (pct == null) {
      return OptionalInt.empty();
    }
    int weight;
    try {
      weight = Math.max(0, Math.min(100, Integer.parseInt(pct.trim())));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
    if (flag.getEnabledKey() != null && !"true".equals(values.get(flag.getEnabledKey()))) {
      return OptionalInt.of(0);
    }
    return OptionalInt.of(weight);
  }
}
