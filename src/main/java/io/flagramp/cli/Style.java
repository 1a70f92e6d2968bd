package io.flagramp.cli;

import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.Phase;

/**
 * Colour for a terminal, or none: text is padded first and coloured after, so the columns line up
 * either way. Without colour the output is plain ASCII.
 */
record Style(boolean color) {

  static final Style PLAIN = new Style(false);

  private static final String RESET = "\u001b[0m";

  String bold(String s) {
    return wrap("\u001b[1m", s);
  }

  String red(String s) {
    return wrap("\u001b[31m", s);
  }

  String green(String s) {
    return wrap("\u001b[32m", s);
  }

  String yellow(String s) {
    return wrap("\u001b[33m", s);
  }

  String dim(String s) {
    return wrap("\u001b[2m", s);
  }

  /** A phase's word: green when it succeeded, red when it failed, yellow when it waits for a person or is paused. */
  String phase(Phase phase, String text) {
    if (phase == null) {
      return text;
    }
    return switch (phase) {
      case Succeeded -> green(text);
      case RolledBack, Held, Invalid -> red(text);
      case AwaitingApproval, Paused -> yellow(text);
      case Pending, Progressing, Baking -> bold(text);
    };
  }

  String result(MetricResult result, String text) {
    if (result == null) {
      return text;
    }
    return switch (result) {
      case Pass -> green(text);
      case Fail, Error -> red(text);
      case NoData, Undecided -> yellow(text);
    };
  }

  private String wrap(String code, String s) {
    return color && !s.isEmpty() ? code + s + RESET : s;
  }
}
