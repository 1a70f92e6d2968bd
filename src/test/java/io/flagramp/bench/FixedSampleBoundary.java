package io.flagramp.bench;

import io.flagramp.analysis.cohort.Boundary;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The textbook two-sided interval (1.96 at 95%), whatever the evidence: valid for one look at a sample size
 * fixed in advance. The benchmark checks it every interval, as a naive judge would, to show what the
 * sequential boundary buys.
 */
record FixedSampleBoundary(double confidence) implements Boundary {

  @Override
  public double criticalZ(double evidence) {
    return new NormalDistribution(null, 0, 1).inverseCumulativeProbability(1 - (1 - confidence) / 2);
  }
}
