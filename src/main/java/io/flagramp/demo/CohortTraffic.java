package io.flagramp.demo;

import io.flagramp.core.Measurement;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simulated app's traffic, as Prometheus would count it by cohort: requests at a steady rate, each
 * user in the flag-on cohort with the flag's weight as probability, failing at one rate with the flag
 * and another without. Answers a cohort metric's queries ({@code <metric>#on-errors},
 * {@code #off-requests}, …) with the counts since the stage began, read from the query's range, and
 * any other query with the whole service's error rate over the same requests: what a threshold judge
 * would have seen. Counts grow by Poisson arrivals from a fixed seed, so a run is repeatable.
 */
public final class CohortTraffic {

  private static final Pattern RANGE = Pattern.compile("\\[(\\d+)s\\]");

  private double requestsPerSecond;
  private final double offErrorRate;
  private double onErrorRate;
  private final IntSupplier weight;
  private final Supplier<Instant> clock;
  private final Random random;

  private double latencySeconds = 0.2;
  private double onLatencyFactor = 1.0;

  private Instant stageStart;
  private Instant last;
  private long onRequests;
  private long onErrors;
  private long offRequests;
  private long offErrors;

  public CohortTraffic(double requestsPerSecond, double offErrorRate, double onErrorRate, IntSupplier weight,
      Supplier<Instant> clock, long seed) {
    this.requestsPerSecond = requestsPerSecond;
    this.offErrorRate = offErrorRate;
    this.onErrorRate = onErrorRate;
    this.weight = weight;
    this.clock = clock;
    this.random = new Random(seed);
  }

  /** As a {@link Simulation#metrics} function. */
  public Measurement answer(String name, String promql) {
    Instant now = clock.get();
    Matcher range = RANGE.matcher(promql);
    if (range.find()) {
      advanceTo(now, now.minusSeconds(Long.parseLong(range.group(1))));
    }
    if (name.endsWith("#on-requests")) {
      return new Measurement.Value(onRequests);
    }
    if (name.endsWith("#on-errors")) {
      return new Measurement.Value(onErrors);
    }
    if (name.endsWith("#off-requests")) {
      return new Measurement.Value(offRequests);
    }
    if (name.endsWith("#off-errors")) {
      return new Measurement.Value(offErrors);
    }
    if (name.endsWith("#on") || name.endsWith("#off")) {
      // A latency quantile per interval: the app's, 5% noise, flag-on slower by its factor.
      double factor = name.endsWith("#on") ? onLatencyFactor : 1.0;
      return new Measurement.Value(latencySeconds * factor * (1 + 0.05 * random.nextGaussian()));
    }
    if (name.equals("minSamples")) {
      return new Measurement.Value(onRequests + offRequests);
    }
    return new Measurement.Value(serviceErrorRate());
  }

  /** From now on, flag-on requests fail at {@code rate}. */
  public void onErrorRate(double rate) {
    this.onErrorRate = rate;
  }

  /** From now on, {@code perSecond} requests a second. */
  public void requestsPerSecond(double perSecond) {
    this.requestsPerSecond = perSecond;
  }

  /** Latency: {@code seconds} without the flag, {@code onFactor} times that with it. */
  public CohortTraffic latency(double seconds, double onFactor) {
    this.latencySeconds = seconds;
    this.onLatencyFactor = onFactor;
    return this;
  }

  /** The whole service's error rate now: both cohorts together, as a query without the flag's label sees it. */
  public double serviceErrorRate() {
    double w = weight.getAsInt() / 100.0;
    return w * onErrorRate + (1 - w) * offErrorRate;
  }

  public long onRequests() {
    return onRequests;
  }

  public long onErrors() {
    return onErrors;
  }

  public long offRequests() {
    return offRequests;
  }

  public long offErrors() {
    return offErrors;
  }

  /** Counts from {@code start} (the stage's) to {@code now}: a new stage counts from zero. */
  private void advanceTo(Instant now, Instant start) {
    if (stageStart == null || !stageStart.equals(start)) {
      stageStart = start;
      last = start;
      onRequests = onErrors = offRequests = offErrors = 0;
    }
    if (!now.isAfter(last)) {
      return;
    }
    double seconds = Duration.between(last, now).toMillis() / 1000.0;
    long requests = poisson(requestsPerSecond * seconds);
    double w = weight.getAsInt() / 100.0;
    long on = binomial(requests, w);
    onRequests += on;
    onErrors += binomial(on, onErrorRate);
    offRequests += requests - on;
    offErrors += binomial(requests - on, offErrorRate);
    last = now;
  }

  /** A Poisson count: normal beyond a mean of 1,000, where it is as good and far cheaper. */
  private long poisson(double mean) {
    if (mean > 1000) {
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
    }
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    long count = 0;
    while (product > limit) {
      product *= random.nextDouble();
      count++;
    }
    return count;
  }

  private long binomial(long n, double p) {
    if (n == 0 || p <= 0) {
      return 0;
    }
    double mean = n * p;
    if (n > 1000) {
      double sd = Math.sqrt(mean * (1 - p));
      return Math.max(0, Math.min(n, Math.round(mean + sd * random.nextGaussian())));
    }
    long k = 0;
    for (long i = 0; i < n; i++) {
      if (random.nextDouble() < p) {
        k++;
      }
    }
    return k;
  }
}
