package io.flagramp.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code wait NAME}: blocks until the change has finished, either way, and says how in its exit
 * code and one line. Judges only a status the operator has brought up to date with the latest spec
 * and annotations, so {@code abort} (or {@code kubectl apply}) followed by {@code wait} waits for
 * the operator's answer to it, not the phase before.
 */
@Command(name = "wait", sortOptions = false,
    description = {"Wait until a ScalingChange has finished, either way: exit 0 on Succeeded; 3 on RolledBack,"
        + " 4 on Held, 5 on Invalid, with the decision line; 6 when --timeout runs out first.",
        "A change that awaits approval keeps waiting (it says so once on stderr)."})
final class WaitCommand implements Callable<Integer> {

  @ParentCommand
  FlagrampCli root;

  @Parameters(paramLabel = "NAME", description = "The ScalingChange.")
  String name;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = GoDuration.class,
      description = "Give up after this long (30s, 10m, 2h; default: wait as long as it takes).")
  Duration timeout;

  @Override
  public Integer call() throws InterruptedException {
    Instant deadline = timeout == null ? null : root.clock.instant().plus(timeout);
    Kube kube = root.connect();
    try (kube) {
      kube.get(name);
      try (Follow follow = Follow.one(kube, name)) {
        boolean told = false;
        while (true) {
          Optional<ScalingChange> seen = follow.one();
          if (seen.isEmpty()) {
            throw CliFailure.error("scalingchange \"" + name + "\" was deleted while waiting");
          }
          ScalingChange sc = seen.get();
          Optional<Outcome> outcome = Outcome.of(sc);
          if (outcome.isPresent()) {
            root.out().println(outcome.get().line());
            root.out().flush();
            return outcome.get().exitCode();
          }
          if (!told && sc.getStatus() != null && sc.getStatus().getPhase() == Phase.AwaitingApproval) {
            root.err().println(name + " awaits approval: kubectl flagramp approve " + name + " (still waiting)");
            root.err().flush();
            told = true;
          }
          Duration left = deadline == null ? Duration.ofDays(365) : Duration.between(root.clock.instant(), deadline);
          if (left.isNegative() || left.isZero()) {
            root.out().println("timed out after " + Durations.format(timeout) + ": " + Outcome.describe(sc));
            root.out().flush();
            return ExitCodes.TIMEOUT;
          }
          follow.next(left);
        }
      }
    } catch (KubernetesClientException e) {
      throw kube.explain(e, "scalingchange " + name);
    }
  }
}
