package io.flagramp.analysis.cohort;

/**
 * What one look at a cohort metric concludes, with the confidence of its check.
 *
 * <ul>
 *   <li>{@code Fail}: the flag-on cohort is worse than the allowance allows.
 *   <li>{@code Pass}: it is not worse than allowed.
 *   <li>{@code Undecided}: the data do not yet say either, or a cohort has no data at all.
 * </ul>
 *
 * A look is not a vote: the next look, with more data, may say something else. Neither judge turns a
 * Pass back into Fail because of noise more often than its level allows, but a flag that gets worse
 * during a step is seen getting worse.
 */
public enum Verdict {
  Fail,
  Pass,
  Undecided
}
