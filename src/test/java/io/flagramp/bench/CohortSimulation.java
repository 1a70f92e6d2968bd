package io.flagramp.bench;

import io.flagramp.analysis.cohort.CohortCounts;
import io.flagramp.analysis.cohort.CohortJudgement;
import io.flagramp.analysis.cohort.ContinuousCheck;
import io.flagramp.analysis.cohort.ContinuousJudge;
import io.flagramp.analysis.cohort.RatesCheck;
import io.flagramp.analysis.cohort.RatesJudge;
import io.flagramp.analysis.cohort.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.apache.commons.math3.random.RandomDataGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * Rollout steps simulated from the numbers a judge would be given, without a cluster: pure and seeded, so
 * the same seed gives the same table. One step is a soak of {@link Step#soakLooks} looks, one per interval,
 * extended by at most {@link Step#extensionLooks} while a cohort is below its minimum sample. A Fail at any
 * look reverts (the step ends there); otherwise the step ends at the soak's end with the verdict of that
 * look, or at the end of the extension below the minimum.
 *
 * <p>Requests arrive as a Poisson process: each interval, each cohort's errors and successes are Poisson
 * counts (Commons Math's generator on a seeded Well19937c), which is the same as Poisson traffic split by the
 * flag's weight and each request failing with its cohort's rate. Every rollout is judged by each check on
 * the same simulated traffic, so the methods differ only in their boundary.
 */
final class CohortSimulation {

  private CohortSimulation() {}

  /** The step's cadence: looks in the soak, looks of extension allowed, minutes per look. */
  record Step(int soakLooks, int extensionLooks, int intervalMinutes) {}

  /**
   * Traffic split by a flag: {@code weight} of the requests are flag-on (none when the flag-on cohort's
   * label is missing), each an error with its cohort's probability.
   */
  record RatesScenario(String label, double requestsPerSecond, double weight, double flagOffRate,
      double flagOnRate, boolean flagOnTraffic) {}

  /**
   * One value per interval per cohort, log-normal around {@code median} (flag-on's times {@code ratio}),
   * with spreads {@code flagOffSpread} and {@code flagOnSpread} (sd of the log), plus a load swing shared by
   * both cohorts: a sine over the soak with amplitude {@code sharedSwing} on the log scale.
   */
  record ContinuousScenario(String label, double median, double ratio, double flagOffSpread, double flagOnSpread,
      double sharedSwing) {}

  /** What happened to a scenario's rollouts under one check. */
  static final class Tally {
    int rollouts;
    int reverted;
    final List<Integer> revertLooks = new ArrayList<>();
    int passedAtEnd;
    int undecidedAtEnd;
    int belowMinimumAtEnd;

    double revertedShare() {
      return rollouts == 0 ? 0 : reverted / (double) rollouts;
    }

    /** The binomial standard error of the reverted share. */
    double standardError() {
      double p = revertedShare();
      return rollouts == 0 ? 0 : Math.sqrt(p * (1 - p) / rollouts);
    }

    /** Intervals from the step's start to the revert, median over reverted rollouts; NaN without any. */
    double medianLooksToRevert() {
      if (revertLooks.isEmpty()) {
        return Double.NaN;
      }
      List<Integer> sorted = new ArrayList<>(revertLooks);
      Collections.sort(sorted);
      int n = sorted.size();
      return (sorted.get((n - 1) / 2) + sorted.get(n / 2)) / 2.0;
    }

    double share(int count) {
      return rollouts == 0 ? 0 : count / (double) rollouts;
    }
  }

  static List<Tally> rates(RatesScenario scenario, List<RatesCheck> checks, Step step, int rollouts, long seed) {
    RandomDataGenerator random = new RandomDataGenerator(new Well19937c(seed));
    double perInterval = scenario.requestsPerSecond() * 60 * step.intervalMinutes();
    double onShare = scenario.flagOnTraffic() ? scenario.weight() : 0;
    double offShare = 1 - scenario.weight();
    List<Tally> tallies = checks.stream().map(c -> new Tally()).toList();
    for (int r = 0; r < rollouts; r++) {
      long[] counts = new long[4];
      List<Supplier<CohortJudgement>> judges = new ArrayList<>();
      for (RatesCheck check : checks) {
        judges.add(() -> RatesJudge.judge("error-rate", new CohortCounts(counts[0], counts[1]),
            new CohortCounts(counts[2], counts[3]), check));
      }
      runStep(step, tallies, judges, () -> {
        long onErrors = poisson(random, perInterval * onShare * scenario.flagOnRate());
        long offErrors = poisson(random, perInterval * offShare * scenario.flagOffRate());
        counts[0] += onErrors;
        counts[1] += onErrors + poisson(random, perInterval * onShare * (1 - scenario.flagOnRate()));
        counts[2] += offErrors;
        counts[3] += offErrors + poisson(random, perInterval * offShare * (1 - scenario.flagOffRate()));
      });
    }
    return tallies;
  }

  static List<Tally> continuous(ContinuousScenario scenario, List<ContinuousCheck> checks, Step step, int rollouts,
      long seed) {
    RandomDataGenerator random = new RandomDataGenerator(new Well19937c(seed));
    int most = step.soakLooks() + step.extensionLooks();
    List<Tally> tallies = checks.stream().map(c -> new Tally()).toList();
    for (int r = 0; r < rollouts; r++) {
      double[] on = new double[most];
      double[] off = new double[most];
      int[] seen = {0};
      List<Supplier<CohortJudgement>> judges = new ArrayList<>();
      for (ContinuousCheck check : checks) {
        judges.add(() -> ContinuousJudge.judge("p99-latency", Arrays.copyOf(on, seen[0]),
            Arrays.copyOf(off, seen[0]), check));
      }
      runStep(step, tallies, judges, () -> {
        int i = seen[0];
        double swing = scenario.sharedSwing() * Math.sin(2 * Math.PI * i / step.soakLooks());
        off[i] = scenario.median() * Math.exp(swing + scenario.flagOffSpread() * random.nextGaussian(0, 1));
        on[i] = scenario.median() * scenario.ratio()
            * Math.exp(swing + scenario.flagOnSpread() * random.nextGaussian(0, 1));
        seen[0] = i + 1;
      });
    }
    return tallies;
  }

  /** One step: the next interval's data, then each check that is still running looks at it. */
  private static void runStep(Step step, List<Tally> tallies, List<Supplier<CohortJudgement>> judges,
      Runnable nextInterval) {
    boolean[] done = new boolean[judges.size()];
    int running = judges.size();
    int last = step.soakLooks() + step.extensionLooks();
    for (int look = 1; look <= last && running > 0; look++) {
      nextInterval.run();
      for (int m = 0; m < judges.size(); m++) {
        if (done[m]) {
          continue;
        }
        CohortJudgement judgement = judges.get(m).get();
        Tally tally = tallies.get(m);
        if (judgement.verdict() == Verdict.Fail) {
          tally.reverted++;
          tally.revertLooks.add(look);
        } else if (look >= step.soakLooks() && judgement.minimumMet()) {
          if (judgement.verdict() == Verdict.Pass) {
            tally.passedAtEnd++;
          } else {
            tally.undecidedAtEnd++;
          }
        } else if (look == last) {
          tally.belowMinimumAtEnd++;
        } else {
          continue;
        }
        tally.rollouts++;
        done[m] = true;
        running--;
      }
    }
  }

  private static long poisson(RandomDataGenerator random, double mean) {
    return mean > 0 ? random.nextPoisson(mean) : 0;
  }
}
