package io.flagramp.notify;

import io.flagramp.api.v1alpha1.NotifyEvent;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.util.Objects;
import java.util.Optional;

/**
 * Which status writes are transitions, and which transitions are events a receiver can hear of. Pure:
 * a function of the status before and the status after.
 */
public final class Transitions {

  /** A transition; {@code event} is empty when it is none a receiver can hear of (Pending, Baking, ...). */
  public record Transition(Optional<NotifyEvent> event) {}

  private Transitions() {}

  /**
   * The transition from {@code before} to {@code after}, if it is one: the phase or the reason changed,
   * or a step was entered at another weight (StepEntered to StepEntered).
   */
  public static Optional<Transition> between(ScalingChangeStatus before, ScalingChangeStatus after) {
    if (after == null || after.getPhase() == null) {
      return Optional.empty();
    }
    boolean changed = before == null || before.getPhase() != after.getPhase() || before.getReason() != after.getReason()
        || (after.getReason() == Reason.StepEntered
            && !Objects.equals(before.getCurrentWeight(), after.getCurrentWeight()));
    return changed ? Optional.of(new Transition(event(after))) : Optional.empty();
  }

  /** The event a status is, when it is the state a transition led to. */
  public static Optional<NotifyEvent> event(ScalingChangeStatus status) {
    if (status.getReason() == Reason.StepEntered) {
      return Optional.of(NotifyEvent.stepEntered);
    }
    if (status.getPhase() == null) {
      return Optional.empty();
    }
    return switch (status.getPhase()) {
      case AwaitingApproval -> Optional.of(NotifyEvent.awaitingApproval);
      case Held -> Optional.of(NotifyEvent.held);
      case RolledBack -> Optional.of(NotifyEvent.rolledBack);
      case Succeeded -> Optional.of(NotifyEvent.succeeded);
      case Invalid -> Optional.of(NotifyEvent.invalid);
      case Pending, Progressing, Baking, Paused -> Optional.empty();
    };
  }
}
