package io.flagramp.analysis.cohort;

/**
 * One look at one cohort metric: the verdict, whether each cohort has its minimum sample, and one line for
 * on-call. What a planner needs whatever the kind of metric; each kind adds its numbers.
 */
public sealed interface CohortJudgement permits RatesJudgement, ContinuousJudgement {

  String metric();

  Verdict verdict();

  /** Why: {@link Reason#Decided} for Fail and Pass, what it waits for when Undecided. */
  Reason reason();

  /** Both cohorts have the check's minimum sample. An Undecided metric below it is still gathering data. */
  boolean minimumMet();

  /** The verdict's evidence in one line, values rounded for reading. */
  String line();
}
