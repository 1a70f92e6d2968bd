package io.flagramp.cli;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Annotations;
import io.flagramp.core.Schedule;
import io.flagramp.core.Timestamps;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * approve, promote, abort, retry: each sets its on-call annotation to a new value with a JSON merge
 * patch under the field manager {@value Kube#FIELD_MANAGER}, which the operator records as who acted.
 * approve also sets flagramp.io/approved-by to the user the API server knows this client as: where the
 * chart's approval policy is installed the API server admits a new approval only with that name, and
 * the operator records it as the approver. Annotations are not part of a spec in Git, so a GitOps tool
 * leaves them alone. A command the operator would only acknowledge and ignore in the change's phase
 * sets nothing and says why, unless --force.
 */
final class OnCallCommands {

  private OnCallCommands() {}

  abstract static class AnnotationCommand implements Callable<Integer> {

    @ParentCommand
    FlagrampCli root;

    @Parameters(index = "0", paramLabel = "NAME", description = "The ScalingChange.")
    String name;

    @Option(names = "--force", description = "Set the annotation even when the operator would ignore it now.")
    boolean force;

    abstract String annotation();

    /** Why the operator would ignore the annotation in this phase; empty when it would act on it. */
    abstract Optional<String> ignoredBecause(ScalingChange sc, Phase phase);

    /** The annotation's value: it must differ from the last one, which the operator has acted on already. */
    String value(ScalingChange sc, Instant now) {
      return Timestamps.format(now);
    }

    /** What happens now, in one line. */
    abstract String done(ScalingChange sc, String value);

    /** The annotations to set: the command's own, to {@code value}. */
    Map<String, String> annotations(Kube kube, String value) {
      return Map.of(annotation(), value);
    }

    @Override
    public Integer call() {
      try (Kube kube = root.connect()) {
        ScalingChange sc = kube.get(name);
        Phase phase = sc.getStatus() == null ? null : sc.getStatus().getPhase();
        Optional<String> ignored = ignoredBecause(sc, phase);
        if (ignored.isPresent() && !force) {
          root.err().println(name + ": not set: " + ignored.get() + " (--force sets it anyway)");
          root.err().flush();
          return ExitCodes.NOT_APPLICABLE;
        }
        String value = value(sc, root.clock.instant());
        kube.mergePatch(name, Map.of("metadata", Map.of("annotations", annotations(kube, value))));
        root.out().println(name + ": " + annotation() + "=\"" + value + "\" set: " + done(sc, value));
        root.out().flush();
        return ExitCodes.OK;
      }
    }

    static String is(Phase phase, ScalingChange sc) {
      String reason = sc.getStatus() == null || sc.getStatus().getReason() == null ? ""
          : " (" + sc.getStatus().getReason() + ")";
      return "it is " + (phase == null ? "not started by the operator yet" : phase + reason);
    }
  }

  @Command(name = "approve", description = {"Approve the step that awaits approval (flagramp.io/approve).",
      "Also sets flagramp.io/approved-by to the user the API server knows you as (kubectl auth whoami), which an"
          + " approval policy may require and the operator then records as the approver."})
  static final class Approve extends AnnotationCommand {

    /** Who the API server says this is; empty where it does not say. */
    private Optional<String> user = Optional.empty();

    @Override
    String annotation() {
      return Annotations.APPROVE;
    }

    @Override
    Map<String, String> annotations(Kube kube, String value) {
      user = kube.whoAmI();
      // Both in one request: the approval policy admits a new approve value only with its approver's name.
      return user.map(u -> Map.of(Annotations.APPROVE, value, Annotations.APPROVED_BY, u))
          .orElse(Map.of(Annotations.APPROVE, value));
    }

    @Override
    Optional<String> ignoredBecause(ScalingChange sc, Phase phase) {
      return phase == Phase.AwaitingApproval ? Optional.empty()
          : Optional.of(is(phase, sc) + ", and only a change AwaitingApproval takes an approval (an approval is"
              + " never kept for later)");
    }

    @Override
    String done(ScalingChange sc, String value) {
      return "the operator enters " + waiting(sc) + " once its other gates pass; " + user
          .map(u -> Annotations.APPROVED_BY + "=\"" + u + "\", the user the API server knows you as")
          .orElse("the API server did not say who you are (no SelfSubjectReview), so " + Annotations.APPROVED_BY
              + " is not set");
    }

    /** "step 5/6 (weight 50)": the step after the weight written. */
    private static String waiting(ScalingChange sc) {
      Schedule schedule = Schedule.of(sc.getSpec());
      ScalingChangeStatus s = sc.getStatus();
      return schedule.next(s == null ? null : s.getCurrentWeight()).stream()
          .mapToObj(i -> "step " + (i + 1) + "/" + schedule.size() + " (weight " + schedule.weight(i) + ")")
          .findFirst().orElse("the step that awaits approval");
    }
  }

  @Command(name = "promote",
      description = "End the current soak (or bake) now (flagramp.io/promote); the analysis must still pass.")
  static final class Promote extends AnnotationCommand {

    @Override
    String annotation() {
      return Annotations.PROMOTE;
    }

    @Override
    Optional<String> ignoredBecause(ScalingChange sc, Phase phase) {
      return phase == Phase.Progressing || phase == Phase.Baking ? Optional.empty()
          : Optional.of(is(phase, sc) + ", and only a soak (Progressing) or a bake (Baking) can be cut short");
    }

    @Override
    String done(ScalingChange sc, String value) {
      return "the soak at weight " + sc.getStatus().getCurrentWeight() + " ends now; the next step follows once"
          + " every metric has passed in this step";
    }
  }

  @Command(name = "abort",
      description = "Revert now: restore the flag's original values (flagramp.io/abort, REASON as its value).")
  static final class Abort extends AnnotationCommand {

    @Parameters(index = "1", arity = "0..1", paramLabel = "REASON",
        description = "Why, for the decision line and the Event (default: \"aborted with kubectl flagramp\").")
    String reason;

    @Override
    String annotation() {
      return Annotations.ABORT;
    }

    @Override
    Optional<String> ignoredBecause(ScalingChange sc, Phase phase) {
      return phase == Phase.RolledBack ? Optional.of(is(phase, sc) + ": the original values are back already")
          : Optional.empty();
    }

    @Override
    String value(ScalingChange sc, Instant now) {
      String value = reason == null || reason.isBlank() ? "aborted with kubectl flagramp" : reason;
      Map<String, String> annotations = sc.getMetadata().getAnnotations();
      // The same reason as the last abort would be taken as handled already: make it new.
      return annotations != null && value.equals(annotations.get(Annotations.ABORT))
          ? value + " (" + Timestamps.format(now) + ")" : value;
    }

    @Override
    String done(ScalingChange sc, String value) {
      return "the operator restores the original values and ends RolledBack; follow it with: kubectl flagramp wait "
          + sc.getMetadata().getName();
    }
  }

  @Command(name = "retry",
      description = "Start a new attempt from the first step after RolledBack (flagramp.io/retry).")
  static final class Retry extends AnnotationCommand {

    @Override
    String annotation() {
      return Annotations.RETRY;
    }

    @Override
    Optional<String> ignoredBecause(ScalingChange sc, Phase phase) {
      if (phase == Phase.RolledBack) {
        return Optional.empty();
      }
      return Optional.of(is(phase, sc) + ", and only a RolledBack change is retried"
          + (phase == Phase.Succeeded ? " (abort it first to ramp again)" : ""));
    }

    @Override
    String done(ScalingChange sc, String value) {
      return "a new attempt starts from the first step, with the current spec";
    }
  }
}
