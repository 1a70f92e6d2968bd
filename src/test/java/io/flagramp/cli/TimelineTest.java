package io.flagramp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.operator.Clients;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What lint says a change would do: the operator's planner on a simulated clock. */
class TimelineTest {

  private static final Instant MONDAY = Instant.parse("2026-11-23T02:00:00Z");

  @Test
  void theExampleRampsStepByStepAfterEachSoakAndBakesBeforeItSucceeds() throws IOException {
    ScalingChange example;
    try (InputStream in = TimelineTest.class.getResourceAsStream("/demo/use-redis.yaml")) {
      example = Clients.serialization().unmarshal(in, ScalingChange.class);
    }
    Timeline.Result result = Timeline.simulate(example, MONDAY);
    assertThat(Timeline.render(result, ZoneId.of("UTC"))).containsExactly(
        "+0          Mon 02:00  weight 1    step 1/6, soak 1h",
        "+1h         Mon 03:00  weight 5    step 2/6, soak 24h",
        "+1d1h       Tue 03:00  weight 10   step 3/6, soak 24h",
        "+2d1h       Wed 03:00  weight 25   step 4/6, soak 24h",
        "+3d1h       Thu 03:00  weight 50   step 5/6, soak 24h",
        "+4d1h       Fri 03:00  weight 100  step 6/6",
        // The last step has no soak, but its analysis must pass once: one interval later.
        "+4d1h1m     Fri 03:01  baking 1h",
        "+4d2h1m     Fri 04:01  Succeeded");
    assertThat(result.notes()).isEmpty();
  }

  @Test
  void anApprovalStepIsShownWaitingAndAStepDueOutsideTheWindowsWaitsForTheOpening() {
    // Measured every 5m rather than 1m: a week of simulated soaks and waits in a fifth of the rounds.
    ScalingChange change = Clients.serialization().unmarshal(Rollouts.USE_REDIS.replace("interval: 1m", "interval: 5m")
        .replace("  bake: 1h\n", "  bake: 1h\n"
        + "  windows:\n"
        + "    timeZone: Europe/Berlin\n"
        + "    allowed: [{days: [Mon, Tue, Wed, Thu], from: \"02:00\", to: \"05:00\"}]\n"), ScalingChange.class);
    Timeline.Result result = Timeline.simulate(change, MONDAY);
    List<String> lines = Timeline.render(result, ZoneId.of("Europe/Berlin"));
    assertThat(lines).containsExactly(
        "+0          Mon 11-23 03:00  weight 1    step 1/6, soak 1h",
        // The restart target's rollout (5s, simulated) comes before each soak.
        "+1h6s       Mon 11-23 04:00  weight 5    step 2/6, soak 24h",
        "+1d1h12s    Tue 11-24 04:00  weight 10   step 3/6, soak 24h",
        "+2d1h18s    Wed 11-25 04:00  weight 25   step 4/6, soak 24h",
        "+3d1h24s    Thu 11-26 04:00  waits for approval (kubectl flagramp approve use-redis); taken as given at"
            + " once here",
        "+3d1h24s    Thu 11-26 04:00  weight 50   step 5/6, soak 24h, approved",
        "+4d1h30s    Fri 11-27 04:00  next step due outside the deploy windows: waits until Mon 2026-11-30 02:00 CET",
        "+6d23h      Mon 11-30 02:00  weight 100  step 6/6",
        "+6d23h5m6s  Mon 11-30 02:05  baking 1h",
        "+7d5m6s     Mon 11-30 03:05  Succeeded");
    assertThat(result.notes()).containsExactly("restart targets are taken to roll out in 5s; in a cluster each step's"
        + " soak starts once they have");
  }

  @Test
  void aShortIntervalOverLongSoaksIsStretchedToKeepTheSimulationShortAndSaysSo() {
    ScalingChange change = Clients.serialization().unmarshal(Rollouts.USE_REDIS.replace("interval: 1m", "interval: 1s")
        .replace("  restartTargets:\n    - {kind: Deployment, name: api}\n", ""), ScalingChange.class);
    // 98h of soaks and bake: 352,800 rounds at 1s; at most 100 here, so every 3528s, rounded up to 59m.
    Timeline.Result result = Timeline.simulate(change, MONDAY, 100);
    assertThat(result.notes()).containsExactly("metrics are measured every 59m here instead of every 1s, to keep the"
        + " simulation short: each step may come up to 59m earlier than shown");
    assertThat(result.entries().get(result.entries().size() - 1).what()).isEqualTo("Succeeded");
  }
}
