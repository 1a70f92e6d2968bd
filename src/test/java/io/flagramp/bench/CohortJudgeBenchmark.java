package io.flagramp.bench;

import static io.flagramp.bench.CohortTables.cells;
import static io.flagramp.bench.CohortTables.format;
import static io.flagramp.bench.CohortTables.rate;
import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.analysis.cohort.ContinuousCheck;
import io.flagramp.analysis.cohort.RatesCheck;
import io.flagramp.bench.CohortSimulation.ContinuousScenario;
import io.flagramp.bench.CohortSimulation.RatesScenario;
import io.flagramp.bench.CohortSimulation.Step;
import io.flagramp.bench.CohortSimulation.Tally;
import io.flagramp.bench.CohortTables.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cohort judge's power and error table, from a pure simulation of request counts (no servers): for
 * weights 1, 5 and 25% of 50 req/s and flag-on error rates 1×, 1.5×, 2× and 5× flag-off's 0.2%, the share
 * of rollouts reverted and the median intervals to revert, for the sequential judge and for the same test
 * with a single-look boundary checked every interval; rows for sparse errors, a flag-on cohort without
 * errors, one without traffic, and flags exactly at an allowance; and the latency table for the rank test.
 * One step: interval 1 minute, soak 60 minutes (60 looks), no extension, 95% confidence.
 *
 * <p>Run with {@code ./mvnw -o test -DskipImage -Dtest=CohortJudgeBenchmark} (about a minute), or with the
 * other benchmarks by {@code ./mvnw verify -Pbenchmark}. {@code -Dflagramp.bench.cohort.rollouts=N} (default
 * 1,000) sets the rollouts per row, {@code -Dflagramp.bench.cohort.threads=N} (default 2) the rows simulated at
 * once. Prints Markdown tables, also written to {@code target/bench/cohort-*.md};
 * asserts that every row where the flag is at its allowance reverts at most the stated 5%.
 */
class CohortJudgeBenchmark {

  private static final Logger log = LoggerFactory.getLogger(CohortJudgeBenchmark.class);

  static final double CONFIDENCE = 0.95;
  static final double LEVEL = 1 - CONFIDENCE;
  static final double REQUESTS_PER_SECOND = 50;
  static final double FLAG_OFF_RATE = 0.002;
  /** A Pass needs a cohort of at least this many requests: 40 minutes of the 1% cohort. */
  static final long MINIMUM_REQUESTS = 1_000;
  static final Step STEP = new Step(60, 0, 1);
  private static final int ROLLOUTS = Integer.getInteger("flagramp.bench.cohort.rollouts", 1_000);

  /** Row seeds are fixed and distinct, so each row can be re-run alone and gives the same figures. */
  private long seed = 19_000;
  private final ExecutorService pool =
      Executors.newFixedThreadPool(Integer.getInteger("flagramp.bench.cohort.threads", 2));

  @Test
  void ratesPowerAndErrorTable() throws Exception {
    List<RatesCheck> strict = checks(0, 0);
    List<Future<Row>> grid = new ArrayList<>();
    List<Future<Row>> atAllowance = new ArrayList<>();
    for (double weight : new double[] {0.01, 0.05, 0.25}) {
      for (double multiple : new double[] {1, 1.5, 2, 5}) {
        Future<Row> row = rates(new RatesScenario("", REQUESTS_PER_SECOND, weight, FLAG_OFF_RATE, FLAG_OFF_RATE * multiple,
            true), strict, cells(percent(weight), format("%s×", trim(multiple)), rate(FLAG_OFF_RATE * multiple),
            "none"));
        grid.add(row);
        if (multiple == 1) {
          atAllowance.add(row);
        }
      }
    }
    List<Future<Row>> edges = new ArrayList<>();
    // Sparse: flag-off 0.01%, so the 1% cohort sees 0.18 errors an hour and most rollouts none at all.
    for (double weight : new double[] {0.01, 0.25}) {
      for (double multiple : new double[] {1, 5}) {
        Future<Row> row = rates(new RatesScenario("", REQUESTS_PER_SECOND, weight, 0.0001, 0.0001 * multiple, true), strict,
            cells(percent(weight), format("sparse: flag-off 0.010%%, flag-on %s×", trim(multiple)),
                rate(0.0001 * multiple), "none"));
        edges.add(row);
        if (multiple == 1) {
          atAllowance.add(row);
        }
      }
    }
    // The demo's flag: its on-path fails a fifth of its requests.
    edges.add(rates(new RatesScenario("", REQUESTS_PER_SECOND, 0.01, FLAG_OFF_RATE, 0.2, true), strict,
        cells("1%", "fails 20% of its requests", rate(0.2), "none")));
    List<RatesCheck> tenthOfAPoint = checks(0.001, 0);
    edges.add(rates(new RatesScenario("", REQUESTS_PER_SECOND, 0.05, FLAG_OFF_RATE, 0, true), tenthOfAPoint,
        cells("5%", "flag-on never errs (0 errors)", rate(0), "+0.10 points")));
    edges.add(rates(new RatesScenario("", REQUESTS_PER_SECOND, 0.05, FLAG_OFF_RATE, FLAG_OFF_RATE, false),
        tenthOfAPoint, cells("5%", "no flag-on traffic (label missing)", "—", "+0.10 points")));
    for (double weight : new double[] {0.05, 0.25}) {
      edges.add(rates(new RatesScenario("", REQUESTS_PER_SECOND, weight, FLAG_OFF_RATE, FLAG_OFF_RATE, true),
          tenthOfAPoint, cells(percent(weight), "1×, an increase allowed", rate(FLAG_OFF_RATE), "+0.10 points")));
    }
    for (double weight : new double[] {0.05, 0.25}) {
      Future<Row> absolute = rates(new RatesScenario("", REQUESTS_PER_SECOND, weight, FLAG_OFF_RATE, FLAG_OFF_RATE + 0.001,
          true), tenthOfAPoint, cells(percent(weight), "at the allowance: 1.5×", rate(FLAG_OFF_RATE + 0.001),
          "+0.10 points"));
      Future<Row> relative = rates(new RatesScenario("", REQUESTS_PER_SECOND, weight, FLAG_OFF_RATE, FLAG_OFF_RATE * 2, true),
          checks(0, 1), cells(percent(weight), "at the allowance: 2×", rate(FLAG_OFF_RATE * 2), "100% of flag-off"));
      edges.add(absolute);
      edges.add(relative);
      atAllowance.add(absolute);
      atAllowance.add(relative);
    }

    List<String> columns = List.of("weight", "flag-on", "flag-on rate", "allowed");
    List<String> methods = List.of("sequential", "single-look 1.96");
    String table = CohortTables.sideBySide(columns, methods, done(grid));
    String edgeTable = CohortTables.sideBySide(columns, methods, done(edges));
    write("cohort-rates.md", table + "\n" + edgeTable);
    log.info("cohort judge, rates: 50 req/s, flag-off 0.2%, interval 1m, soak 60 looks, 95%, {} rollouts a row\n{}\n{}",
        ROLLOUTS, table, edgeTable);

    assertThat(done(atAllowance)).allSatisfy(row -> assertThat(row.byMethod().get(0).revertedShare())
        .as("sequential false reverts in %s", row.scenario()).isLessThanOrEqualTo(LEVEL));
  }

  @Test
  void latencyPowerAndErrorTable() throws Exception {
    ContinuousCheck tenPercent = new ContinuousCheck(0.10, CONFIDENCE, 10, STEP.soakLooks());
    List<Future<Row>> rows = new ArrayList<>();
    List<Future<Row>> atAllowance = new ArrayList<>();
    for (double ratio : new double[] {1.0, 1.1, 1.2, 1.5}) {
      Future<Row> row = continuous(new ContinuousScenario("", 0.2, ratio, 0.1, 0.1, 0.2), tenPercent,
          cells(format("+%.0f%%", (ratio - 1) * 100), "0.10", "0.10"));
      rows.add(row);
      if (ratio == 1.1) {
        atAllowance.add(row);
      }
    }
    rows.add(continuous(new ContinuousScenario("", 0.2, 1.2, 0.1, 0.1, 0), tenPercent,
        cells("+20%, no load swing", "0.10", "0.10")));
    Future<Row> noisyFlagOn = continuous(new ContinuousScenario("", 0.2, 1.1, 0.1, 0.3, 0.2), tenPercent,
        cells("+10%, flag-on 3× noisier", "0.10", "0.30"));
    rows.add(noisyFlagOn);
    atAllowance.add(noisyFlagOn);

    List<String> columns = List.of("flag-on median", "flag-off spread", "flag-on spread");
    String table = CohortTables.sideBySide(columns, List.of("rank test"), done(rows));
    write("cohort-latency.md", table);
    log.info("cohort judge, latency: one value per cohort per 1m interval, log-normal around 0.2 s (spread: sd of"
        + " the log), a load swing shared by both cohorts of ±20% over the hour unless said, allowed +10%, 95%, looks"
        + " 10..60, {} rollouts a row\n{}", ROLLOUTS, table);

    assertThat(done(atAllowance)).allSatisfy(row -> assertThat(row.byMethod().get(0).revertedShare())
        .as("false reverts in %s", row.scenario()).isLessThanOrEqualTo(LEVEL));
  }

  /** The operator's check and the same test with a single-look boundary, for the same allowances. */
  static List<RatesCheck> checks(double allowedIncrease, double allowedRelativeIncrease) {
    return List.of(RatesCheck.of(allowedIncrease, allowedRelativeIncrease, CONFIDENCE, MINIMUM_REQUESTS),
        new RatesCheck(allowedIncrease, allowedRelativeIncrease, new FixedSampleBoundary(CONFIDENCE), MINIMUM_REQUESTS));
  }

  /** Starts the row's simulation on the pool; its seed is taken now, so the figures do not depend on threads. */
  private Future<Row> rates(RatesScenario scenario, List<RatesCheck> checks, List<String> cells) {
    long rowSeed = seed++;
    return pool.submit(() -> new Row(cells, CohortSimulation.rates(scenario, checks, STEP, ROLLOUTS, rowSeed)));
  }

  private Future<Row> continuous(ContinuousScenario scenario, ContinuousCheck check, List<String> cells) {
    long rowSeed = seed++;
    return pool.submit(() -> new Row(cells,
        CohortSimulation.continuous(scenario, List.of(check), STEP, ROLLOUTS, rowSeed)));
  }

  private static List<Row> done(List<Future<Row>> rows) throws Exception {
    List<Row> result = new ArrayList<>();
    for (Future<Row> row : rows) {
      result.add(row.get());
    }
    return result;
  }

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private static void write(String name, String table) throws IOException {
    Path dir = Path.of("target", "bench");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name), table);
  }

  private static String percent(double weight) {
    return format("%s%%", trim(weight * 100));
  }

  private static String trim(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }
}
