package io.flagramp.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The claim rules over generated histories ({@link ClaimHistory}): several changes on overlapping keys,
 * one to three operator processes racing, stale copies, restarts, deletes, re-created ConfigMaps and
 * late answers, with faults at any write. {@code -Dflagramp.model.claimRuns=N} runs more (or fewer)
 * seeds; {@code -Dflagramp.model.firstSeed=S} starts elsewhere.
 */
class ClaimHistoriesTest {

  private static final int RUNS = Integer.getInteger("flagramp.model.claimRuns", 5000);
  private static final long FIRST = Long.getLong("flagramp.model.firstSeed", 1);

  @Test
  void noWriteEverBreaksAClaimOverGeneratedHistoriesOfRacingStaleAndFaultyReconciles() {
    ClaimReport report = new ClaimReport();
    for (long seed = FIRST; seed < FIRST + RUNS; seed++) {
      new ClaimHistory(seed, report).run();
    }
    System.out.println(report);
    assertThat(report.runs).isEqualTo(RUNS);
    if (RUNS >= 1000) {
      assertThat(report.patchesChecked).as("ConfigMap writes").isGreaterThan(1000);
      assertThat(report.rewound).as("rewound intents").isGreaterThan(1000);
      assertThat(report.staleReads).as("reconciles of a stale copy").isGreaterThan(1000);
      assertThat(report.racing).as("racing reconciles").isGreaterThan(1000);
      assertThat(report.restorePatches).as("restore patches").isGreaterThan(1000);
      assertThat(report.faults.values()).as("every kind of fault, many times").allMatch(n -> n > 1000);
      assertThat(report.actions).containsKeys("ConfigMap re-created from a copy", "change deleted",
          "finalizer finished", "change created again (new uid)", "process restarted", "flagd flag stepped",
          "external write (flagd document)");
    }
  }
}
